"""Onboarding on the console, end to end: what newcomers, welcomers and moderators see."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bot.core.messenger import Capabilities
from bot.core.refs import Permission
from bot.core.runtime import Hearth
from bot.platforms.console import member_ref
from tests.conftest import START, ConsoleDriver, NewRuntime, console_driver, hearth_instance, ledger_rows

SETUP = """
@mod is moderator
@mod: /onboarding channel welcome #welcome
@mod: /onboarding channel intros #intros
@mod: /onboarding channel mods #mods
@mod: /onboarding rules Be kind. No spam.
@mod: /onboarding access role:&member
@mod: /onboarding interest-add Python role:&python
@mod: /onboarding interest-add "Board games" channel:#games
"""


async def test_a_checklist_of_one_step_counts_it_as_one(console: ConsoleDriver) -> None:
    said = await console.run(
        SETUP
        + """
        @mod: /onboarding step interests off
        @mod: /onboarding step intro off
        @mod: /onboarding step hello off
        @alice joins
        @alice clicks "I agree to the rules"
        """
    )
    assert "0 of 1 step done" in said and "1 of 1 step done" in said  # it read "1 of 1 steps done"


async def test_newcomer_walks_the_whole_checklist(console: ConsoleDriver, hearth: Hearth) -> None:
    await console.run(SETUP + "@mod: /onboarding set welcome_when completion\n@bob: /welcomer join")
    said = await console.run("@alice joins")
    assert "[dm @alice] Welcome to Console, @alice! 👋 @bob is your welcomer" in said
    assert "⬜ Accept the rules" in said and "Rules: Be kind. No spam." in said
    assert "[I agree to the rules]" in said
    assert '{Choose your interests: "Board games", "Python" (up to 2)}' in said
    assert "[dm @bob] 👋 @alice just joined and you are their welcomer." in said
    assert "[#welcome]" not in said  # the public welcome waits for completion

    said = await console.run('@alice clicks "I agree to the rules"')
    assert "[roles] @alice now has the role &member" in said
    assert "✅ Accept the rules" in said and "1 of 4 steps done" in said

    said = await console.run('@alice picks "Python", "Board games"')
    assert "[roles] @alice now has the role &python" in said
    assert "[channels] @alice joined #games" in said
    assert "✅ Choose your interests: Board games, Python" in said

    await console.run("@alice: /intro")
    said = await console.run(
        "@alice submits name=Ali; location=Berlin; about=Looking for friends; interests=Python, board games"
    )
    assert "[#intros] 👋 Meet Ali" in said
    assert '[#intros] thread "Welcome, Ali!" started' in said
    assert "[#welcome]" not in said

    said = await console.run("@alice in #random: hello everyone!")
    assert "[#welcome] Welcome to Console, @alice! 👋" in said
    # tester3 #9: she posted her intro already, so the welcome at completion does not ask for one.
    assert "with /intro" not in said
    assert "[dm @bob] 🎉 @alice finished onboarding. Thanks for welcoming them! +15 points" in said
    assert "[dm @alice] ✅ Say hello in any channel — done. 🎉 You're all set" in said

    steps = await ledger_rows(hearth, "onboarding_step")
    assert [reason for _, _, reason in steps] == ["joined", "rules", "interests", "intro", "hello"]
    assert [points for _, points, _ in steps] == [0, 5, 5, 5, 5]
    assert await ledger_rows(hearth, "welcomer_completed") == [("bob", 15, None)]
    said = await console.run("@mod: /onboarding status\n@alice: /rank")
    assert "[only @mod] Nobody is stuck: no newcomer is partway through onboarding. 🎉" in said
    assert "Points: 41" in said  # four steps, a first intro and one message


async def test_status_with_no_newcomer_yet_claims_no_one_finished(console: ConsoleDriver) -> None:
    """With no newcomer at all (none yet, or none left after `/mydata delete`) it said every newcomer had finished."""
    said = await console.run("@mod is admin\n@mod: /onboarding status")
    assert "[only @mod] Nobody is stuck: no newcomer is partway through onboarding. 🎉" in said
    assert "finished" not in said


async def test_a_moderators_channel_set_up_late_gets_one_message_for_long_stuck_newcomers(
    console: ConsoleDriver,
) -> None:
    """Twelve newcomers stuck for weeks when `mod_channel` is first set: one message, longest stuck first, not
    twelve alerts; none again at the next sweeps. One stuck for days only is alerted on its own."""
    names = [f"n{number:02}" for number in range(12)]
    await console.run("@mod is admin\n" + "".join(f"@{name} joins\nwait 1h\n" for name in names) + "wait 20d")
    said = await console.run("@zoe joins\nwait 3d\n@mod: /config set mod_channel channel:#mods\nwait 1h")
    listed = ", ".join(f"@{name} at Accept the rules (23 days {12 - n} hours)" for n, name in enumerate(names[:10]))
    assert [line for line in said.splitlines() if line.startswith("[#mods]")] == [
        "[#mods] 🧭 @zoe has been stuck at Accept the rules for 3 days. A personal hello might help.",
        f"[#mods] 🧭 12 newcomers have been stuck at a step for over a week: {listed} and 2 more. "
        "A personal hello might help.",
    ]
    assert "[#mods]" not in await console.run("wait 2d")


async def test_welcome_on_join_and_checklist_in_channel_when_dms_closed(console: ConsoleDriver) -> None:
    await console.run(SETUP)
    said = await console.run("@carol closes dms\n@carol joins")
    assert "[dm @carol]" not in said
    assert "[#welcome] @carol, I couldn't send you a direct message, so here is your checklist" in said
    assert "[#welcome] Welcome to Console, @carol!" in said
    said = await console.run('@carol clicks "I agree to the rules"')
    assert "@carol now has the role &member" in said
    # Someone who is not a newcomer pressing the public button gets a kind word and nothing else.
    said = await console.run('@dave clicks "I agree to the rules"')
    assert "[only @dave] This checklist is for newcomers" in said
    assert "&member" not in said


async def test_missing_role_permission_tells_everyone_why_and_records_nothing(
    console: ConsoleDriver, hearth: Hearth
) -> None:
    await console.run(SETUP + "bot cannot grant &member\n@alice joins")
    said = await console.run('@alice clicks "I agree to the rules"')
    assert "[#mods] ⚠️ I couldn't give @alice the role member: I'm not allowed to grant &member" in said
    assert "[only @alice] I couldn't give you the role member" in said
    assert "nothing was changed" in said
    assert [r for _, _, r in await ledger_rows(hearth, "onboarding_step")] == ["joined"]
    said = await console.run('bot can grant &member\n@alice clicks "I agree to the rules"')
    assert "@alice now has the role &member" in said


async def test_a_choice_partly_given_says_what_went_through(console: ConsoleDriver, hearth: Hearth) -> None:
    """A refusal after an earlier interest of the same choice was given said "nothing was changed"."""
    said = await console.run(SETUP + 'bot cannot grant &python\n@alice joins\n@alice picks "Board games", "Python"')
    assert "[only @alice] I couldn't give you the role python: I'm not allowed to grant &python" in said
    assert "Board games went through, but your interests are not saved yet: please choose them again later." in said
    assert "nothing was changed" not in said
    assert [r for _, _, r in await ledger_rows(hearth, "onboarding_step")] == ["joined"]


async def test_bad_configuration_is_refused_and_changes_nothing(console: ConsoleDriver) -> None:
    said = await console.run(
        SETUP
        + """
        @mod: /onboarding message Hi {member}, see {rulez}!
        @mod: /onboarding interest-remove Chess
        @mod: /onboarding interest-add Chess
        @mod: /onboarding set nudge_after soon
        @alice: /onboarding status
        @mod: /onboarding show
        """
    )
    assert "uses `{rulez}`, which I don't know. You can use: {member}, {community}" in said
    assert "There is no interest called `Chess`. Interests: Board games, Python." in said
    assert "Give either a role (Discord) or a channel (Slack)" in said
    assert "`soon` is not a valid value for `nudge_after`" in said
    assert "[only @alice] Sorry, `/onboarding status` is for moderators" in said
    assert "Message: Welcome to {community}, {member}!" in said
    assert "Interests: Board games → #games; Python → role python" in said
    assert "one friendly reminder after 1 day at a step; moderators hear in #mods after 3 days" in said


async def test_a_moderator_unsets_a_channel_by_leaving_it_out(console: ConsoleDriver, hearth: Hearth) -> None:
    """A tester's `/onboarding channel rules none` was refused, and only admins could unset it (`/config set`)."""
    await console.run("@mod is moderator\n@mod: /onboarding channel rules #rules")
    said = await console.run("@mod: /onboarding channel rules")
    assert "Done: there is no rules channel now." in said
    community = await hearth.services.identity.community(member_ref("mod").community)
    settings = await hearth.services.settings.get(community.id)
    assert settings.basics.rules_channel is None


async def test_interest_removed_after_the_menu_was_sent(console: ConsoleDriver, hearth: Hearth) -> None:
    await console.run(SETUP + "@alice joins\n@mod: /onboarding interest-remove Python")
    said = await console.run('@alice picks "Python"')
    assert "[only @alice] `python` is not an interest offered here (any more). Choose from: Board games." in said
    assert "&python" not in said
    assert [r for _, _, r in await ledger_rows(hearth, "onboarding_step")] == ["joined"]


async def test_a_choice_from_an_old_menu_keeps_what_is_still_offered(console: ConsoleDriver, hearth: Hearth) -> None:
    """One interest removed since the menu was sent refused the whole choice: the rest stands, the member is told."""
    await console.run(SETUP + "@alice joins\n@mod: /onboarding interest-remove Python")
    said = await console.run('@alice picks "Board games", "Python"')
    assert "Interests saved: Board games. (`python` is no longer offered here, so I left it out.)" in said
    assert "&python" not in said
    assert [r for _, _, r in await ledger_rows(hearth, "onboarding_step")] == ["joined", "interests"]


async def test_raid_of_thirty_joins_gives_one_batched_welcome(console: ConsoleDriver) -> None:
    await console.run(SETUP)
    said = await console.run("\n".join(f"@raider{n} joins" for n in range(30)))
    individual = [block for block in said.split("\n[") if block.startswith("#welcome] Welcome")]
    assert len(individual) == 4  # below raid_joins (5) joins are welcomed one by one
    said = await console.run("wait 2m")
    batches = [block for block in said.split("\n") if block.startswith("[#welcome]")]
    assert batches == ["[#welcome] 🎉 26 new members arrived together!"]
    assert "@raider4, @raider5" in said and "@raider29!" in said
    # The welcome itself is the block's second line, indented like every further line.
    assert "[#welcome] 🎉 26 new members arrived together!\n  Welcome to Console, @raider4, @raider5" in said
    said = await console.run("wait 1h\n@late joins")
    assert "[#welcome] Welcome to Console, @late!" in said


async def test_a_raid_that_ends_with_one_newcomer_waiting_gives_them_an_ordinary_welcome(
    console: ConsoleDriver,
) -> None:
    await console.run(SETUP + "@bob: /welcomer join\n@mod: /onboarding message Welcome {member}! {welcomer} will help.")
    said = await console.run("\n".join(f"@n{n} joins" for n in range(5)) + "\nwait 2m")
    assert "arrived together" not in said
    welcomes = [line for line in said.split("\n") if line.startswith("[#welcome]")]
    assert len(welcomes) == 5
    assert welcomes[-1] == "[#welcome] Welcome @n4! @bob will help."  # the 5th, alone after the raid window


async def test_doubled_braces_in_a_welcome_are_literal_braces(console: ConsoleDriver) -> None:
    """`{{member}}` meant the text `{member}` (as in Python's format strings) and rendered `{@name}`."""
    said = await console.run(
        SETUP
        + """
        @mod: /onboarding message Welcome {member}! Write {{member}} to greet someone, {{ and }} too.
        @mod: /onboarding message Hi {{member}} and {rulez}
        @alice joins
        """
    )
    assert "Done: the welcome message is changed." in said
    assert "uses `{rulez}`, which I don't know. You can use: {member}, {community}" in said
    assert "[#welcome] Welcome @alice! Write {member} to greet someone, { and } too." in said
    assert "{@alice}" not in said


async def test_a_placeholder_whose_brace_is_never_closed_is_refused(console: ConsoleDriver) -> None:
    """`Welcome {member to {community}!` was taken ("Done"), and every newcomer's public welcome read
    "Welcome {member to Console!", mentioning nobody. A lone brace that names no placeholder is text, as before."""
    said = await console.run(
        SETUP
        + """
        @mod: /onboarding message Welcome {member to {community}!
        @alice joins
        @mod: /onboarding message Welcome {member} :-{ and {{member
        @bob joins
        """
    )
    assert (
        "[only @mod] In the welcome message `{member` has no closing brace: write `{member}` "
        "(or `{{` for a brace as text)."
    ) in said
    assert "{member to" not in said
    assert "[#welcome] Welcome @bob :-{ and {member" in said


async def test_welcomers_are_paired_least_recently_assigned_first(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @bob: /welcomer join
        @bob: /welcomer join
        @cleo: /welcomer join
        @n1 joins
        @n2 joins
        @n3 joins
        @cleo: /welcomer leave
        @n4 joins
        """
    )
    assert "[only @bob] You're already a welcomer." in said
    assert "@bob is your welcomer" in said.split("[dm @n1]")[1].split("\n")[0]
    assert "@cleo is your welcomer" in said.split("[dm @n2]")[1].split("\n")[0]
    assert "@bob is your welcomer" in said.split("[dm @n3]")[1].split("\n")[0]
    assert "@bob is your welcomer" in said.split("[dm @n4]")[1].split("\n")[0]


async def test_newcomers_joining_in_the_same_moment_take_turns_among_three_welcomers(console: ConsoleDriver) -> None:
    """A tester's nine newcomers joining at once went w1, w2, w3 and then all to w1 (equal times, tie to w1)."""
    said = await console.run(
        "@w1: /welcomer join\n@w2: /welcomer join\n@w3: /welcomer join\n"
        + "".join(f"@n{number} joins\n" for number in range(1, 10))
    )
    paired = [
        said.split(f"[dm @n{number}]")[1].split(" is your welcomer")[0].rsplit("@", 1)[1] for number in range(1, 10)
    ]
    assert paired == ["w1", "w2", "w3"] * 3


async def test_a_reminder_due_while_hearth_was_removed_is_sent_once_it_is_back(console: ConsoleDriver) -> None:
    """Nothing reaches a community Hearth was removed from, so the reminder is not counted as sent then:
    status does not say "(reminded)", and the reminder goes once Hearth is added back."""
    await console.run("@mod is admin\n@newbie joins\nhearth is removed\nwait 30h\nhearth is added")
    said = await console.run("@mod: /onboarding status")
    assert "@newbie — Accept the rules, for 1 day 6 hours" in said and "(reminded)" not in said
    said = await console.run("wait 1h\n@mod: /onboarding status")
    assert said.count("[dm @newbie] Hi @newbie! Your next step is Accept the rules") == 1
    assert "(reminded)" in said


async def test_stuck_member_is_nudged_once_and_mods_alerted_once_across_a_restart(new_runtime: NewRuntime) -> None:
    runtimes = [await new_runtime()]
    first = console_driver(runtimes[0])
    await runtimes[0].hooks_done()  # the reminder sweep is armed by a start hook
    await first.run(SETUP + '@alice joins\n@alice clicks "I agree to the rules"\n@ben joins')
    said = await first.run("wait 23h")
    assert "Your next step" not in said
    said = await first.run("wait 2h")
    assert said.count("[dm @alice] Hi @alice! Your next step is Choose your interests") == 1
    assert said.count("[dm @ben] Hi @ben! Your next step is Accept the rules") == 1
    assert "[#mods]" not in said
    said = await first.run("wait 12h\n@mod: /onboarding status")
    assert "Your next step" not in said
    assert "@alice — Choose your interests, for 1 day 13 hours (reminded)" in said
    await runtimes[0].close()  # the process stops; the next one shares only the database file

    runtimes.append(await new_runtime())
    second = console_driver(runtimes[1])
    await runtimes[1].hooks_done()
    said = await second.run("wait 2d")
    assert "Your next step" not in said
    assert said.count("[#mods] 🧭 @alice has been stuck at Choose your interests for 3 days.") == 1
    assert said.count("[#mods] 🧭 @ben has been stuck at Accept the rules for 3 days.") == 1
    said = await second.run("wait 1w")
    assert said == ""
    # A new step starts a new wait: one reminder for it, too.
    said = await second.run('@alice: /onboarding checklist\n@alice picks "Python"\nwait 25h')
    assert said.count("Your next step is Post an introduction") == 1

    runtimes.append(await new_runtime())
    third = console_driver(runtimes[2])
    await runtimes[2].hooks_done()
    said = await third.run("wait 3d") + await second.run("wait 1h")
    assert said.count("Your next step") == 0
    assert said.count("[#mods] 🧭 @alice") == 1  # the new step's alert, once, by one of the two processes


async def test_personal_page_shows_the_checklist_until_onboarding_is_done(
    console: ConsoleDriver, hearth: Hearth
) -> None:
    await console.run(SETUP + "@mod: /onboarding step hello off\n@mod: /onboarding step intro optional\n@alice joins")
    alice = await hearth.context(member_ref("alice"), None, Permission.MEMBER, "home-1")
    [page] = await hearth.home(alice)
    assert page.card is not None and "⬜ Accept the rules" in page.card.description
    assert "Post an introduction (/intro) (optional)" in page.card.description
    assert "hello" not in page.card.description
    await console.run('@alice clicks "I agree to the rules"\n@alice picks "Python"')
    # The checklist is gone; what is left is recognition's section (her standing: she earned step points).
    assert [page.card.title for page in await hearth.home(alice) if page.card] == ["Your standing"]
    mod = await hearth.context(member_ref("mod"), None, Permission.MODERATOR, "home-2")
    assert await hearth.home(mod) == []


async def test_a_role_is_refused_when_set_up_where_the_platform_has_no_roles(console: ConsoleDriver) -> None:
    # The console as a platform without roles (like Slack): the refusal comes now, not when a newcomer clicks.
    console.platform.capabilities = Capabilities(roles=False, group_dms=True, named_threads=False, files=True)
    said = await console.run(
        """
        @mod is moderator
        @mod: /onboarding access role:&member
        @mod: /onboarding interest-add Python role:&python
        @mod: /onboarding access channel:#members
        @mod: /onboarding show
        """
    )
    assert (
        "[only @mod] Roles can't be given here (a Slack user group is not a role), so I can't grant member. "
        "Give a channel instead, like `/onboarding access channel:#members`; nothing was changed." in said
    )
    assert "like `/onboarding interest-add Python channel:#Python`; nothing was changed." in said
    assert "Agreeing gives a place in #members." in said
    assert "Interests: none (the step is skipped)" in said


async def test_without_an_intros_channel_the_intro_step_does_not_hold_newcomers(console: ConsoleDriver) -> None:
    """A fresh install: /intro answers "Introductions aren't set up yet", so the intro step must not count, or
    every newcomer is stuck at it, reminded, reported to moderators, and their welcomer never paid."""
    await console.run(
        "@mod is moderator\n@mod: /onboarding channel mods #mods\n@mod: /onboarding channel welcome #welcome\n"
        "@bob: /welcomer join"
    )
    said = await console.run('@newbie joins\n@newbie clicks "I agree to the rules"\n@newbie: hello\nwait 4d')
    assert "Post an introduction" not in said
    assert "[#welcome] Welcome to Console, @newbie! 👋" in said
    assert "Tell us a little about yourself with /intro" not in said  # the default welcome sends nobody there
    assert "You're all set" in said
    assert "stuck" not in said and "Your next step" not in said
    said = await console.run("@mod: /onboarding show")
    assert "Post an introduction (/intro) — required — ⚠️ skipped: no intros channel is set" in said
    # Making it required says at once that it stays skipped (as interests do without an interest to choose).
    said = await console.run("@mod: /onboarding step intro required\n@mod: /onboarding step interests optional")
    assert (
        "Done: “Post an introduction (/intro)” is now required. It stays skipped until an intros channel is set "
        "(`/onboarding channel intros #channel`)."
    ) in said
    assert "Done: “Choose your interests” is now optional. It stays skipped until an interest is added" in said

    said = await console.run("@mod: /onboarding channel intros #intros\n@eve joins")
    assert "⬜ Post an introduction (/intro)" in said
    assert "[#welcome] Welcome to Console, @eve! 👋 Tell us a little about yourself with /intro." in said


async def test_interest_add_says_which_interest_it_replaced(console: ConsoleDriver) -> None:
    said = await console.run(
        "@mod is moderator\n@mod: /onboarding interest-add Music #music\n@mod: /onboarding interest-add music &music2"
    )
    assert "Done: newcomers can now choose music; it replaces Music → #music." in said
    said = await console.run("@mod: /onboarding show")
    assert "Interests: music → role music2" in said
    said = await console.run("@mod: /onboarding interest-add music &music2")
    assert "music → role music2 was offered already; nothing changed." in said


async def test_alerting_moderators_before_the_reminder_is_allowed_but_said(console: ConsoleDriver) -> None:
    said = await console.run("@mod is admin\n@mod: /config set alert_after 1h")
    assert (
        "Done: `alert_after` 3 days → 1 hour. Note: moderators will hear about a stuck newcomer after 1 hour, " in said
    )
    assert "before the newcomer's reminder (after 1 day). If the reminder should come first, make" in said
    said = await console.run("@mod: /onboarding set nudge_after 2h")
    assert "Done: `nudge_after` is now 2 hours. Note: " in said
    said = await console.run("@mod: /onboarding set nudge_after 30m")
    assert "Note:" not in said
    said = await console.run("@mod: /onboarding set raid_joins 7")
    assert "Note:" not in said


async def test_moderators_can_take_back_what_agreeing_gives(console: ConsoleDriver, hearth: Hearth) -> None:
    """tester-b: once set, `/onboarding access` could not go back to giving nothing (left out, it asked for a role
    or a channel), so a role Hearth may not grant held every newcomer at the rules; its answer said "gives that"."""
    said = await console.run(
        """
        @mod is moderator
        @mod: /onboarding access role:&member
        @mod: /onboarding access channel:#members
        """
    )
    assert "Done: agreeing to the rules now gives the role member." in said
    assert "Done: agreeing to the rules now gives a place in #members." in said
    said = await console.run("@mod: /onboarding access\n@mod: /onboarding show")
    assert "Done: agreeing to the rules now gives nothing more." in said
    assert "Agreeing gives nothing more." in said
    said = await console.run('@alice joins\n@alice clicks "I agree to the rules"')
    assert "Thanks for agreeing to the rules!" in said
    assert "[channels]" not in said and "[roles]" not in said


async def test_an_interest_needs_a_name(console: ConsoleDriver) -> None:
    """tester-b: a blank name got past, refused for its missing role with a broken example (`interest-add  role:&`)."""
    said = await console.run('@mod is moderator\n@mod: /onboarding interest-add "   " role:&x\n@mod: /onboarding show')
    # Spaces alone are no name, as an empty one is not (tester-z1: the same for every text option).
    assert "`/onboarding interest-add` needs name. Usage: `/onboarding interest-add name [role] [channel]`" in said
    assert "Interests: none (the step is skipped)" in said


async def test_the_example_for_an_interest_of_two_words_can_be_typed_back(console: ConsoleDriver) -> None:
    """It suggested `/onboarding interest-add Board Games role:&Board Games`, which, typed back, was refused (the
    channel `Games` not found: `&Board Games` is the role `&Board` and a word)."""
    said = await console.run('@mod is moderator\n@mod: /onboarding interest-add "Board Games"')
    example = '/onboarding interest-add "Board Games" role:&Board-Games'
    assert f"Give either a role (Discord) or a channel (Slack), like `{example}`." in said
    said = await console.run(f"@mod: {example}")
    assert "Done: newcomers can now choose Board Games." in said


async def test_a_newcomer_whose_last_steps_are_switched_off_is_done(console: ConsoleDriver, hearth: Hearth) -> None:
    """tester-b: with the only step left switched off, a newcomer was done in `/onboarding status` but never
    completed: no welcome at completion, nothing for their welcomer, not counted as finished in health."""
    await console.run(
        "@mod is moderator\n@mod: /onboarding channel welcome #welcome\n"
        "@mod: /onboarding set welcome_when completion\n@bob: /welcomer join\n"
        '@alice joins\n@alice clicks "I agree to the rules"'
    )
    said = await console.run("@mod: /onboarding step hello off\nwait 30m")
    assert "[#welcome] Welcome to Console, @alice! 👋" in said
    assert "[dm @bob] 🎉 @alice finished onboarding. Thanks for welcoming them! +15 points" in said
    assert await ledger_rows(hearth, "welcomer_completed") == [("bob", 15, None)]
    # Done once: a later sweep, or a hello now, adds nothing.
    said = await console.run("wait 1h\n@alice: hello!")
    assert "finished onboarding" not in said and "[#welcome]" not in said
    assert await ledger_rows(hearth, "welcomer_completed") == [("bob", 15, None)]


async def test_with_every_step_off_a_newcomer_is_in_at_once(console: ConsoleDriver, hearth: Hearth) -> None:
    """tester-b: with every step off, a welcome at completion was never posted, as nobody ever completed."""
    said = await console.run(
        "@mod is moderator\n@mod: /onboarding channel welcome #welcome\n"
        "@mod: /onboarding set welcome_when completion\n@bob: /welcomer join\n"
        + "".join(f"@mod: /onboarding step {step} off\n" for step in ("rules", "interests", "intro", "hello"))
        + "@alice joins"
    )
    assert "Your way into" not in said  # no checklist to send
    assert "[#welcome] Welcome to Console, @alice! 👋" in said
    assert await ledger_rows(hearth, "welcomer_completed") == [("bob", 15, None)]


async def test_a_journey_left_open_for_long_is_completed_without_a_word(console: ConsoleDriver, hearth: Hearth) -> None:
    """A newcomer stuck for weeks when the step is switched off is not welcomed publicly as if they just arrived."""
    await console.run(
        "@mod is moderator\n@mod: /onboarding channel welcome #welcome\n"
        "@mod: /onboarding set welcome_when completion\n@bob: /welcomer join\n@alice joins\nwait 8d"
    )
    said = await console.run("@mod: /onboarding step rules off\n@mod: /onboarding step hello off\nwait 30m")
    assert "[#welcome]" not in said and "finished onboarding" not in said
    assert await ledger_rows(hearth, "welcomer_completed") == [("bob", 15, None)]
    assert "Nobody is stuck" in await console.run("@mod: /onboarding status")


async def test_interests_chosen_again_replace_the_roles_of_those_left_out(console: ConsoleDriver) -> None:
    """tester-b: choosing again kept every role given before (`Interests saved: Python.` with &python and &art),
    and the menu did not show what was chosen. A channel stays joined, as the member's to leave."""
    await console.run(
        "@mod is moderator\n@mod: /onboarding interest-add Art role:&art\n"
        "@mod: /onboarding interest-add Python role:&python\n@mod: /onboarding interest-add Games channel:#games\n"
        '@alice joins\n@alice picks "Art", "Python", "Games"'
    )
    said = await console.run('@alice: /onboarding checklist\n@alice picks "Python"')
    assert '{Choose your interests: "Art" ✓, "Games" ✓, "Python" ✓ (up to 3)}' in said
    assert "[roles] @alice no longer has the role &art" in said
    assert "&python" not in said  # kept, not given again
    assert "Interests saved: Python. You're still in #games: leave it there whenever you like." in said
    assert '{Choose your interests: "Art", "Games", "Python" ✓ (up to 3)}' in said

    said = await console.run('bot cannot grant &python\n@alice: /onboarding checklist\n@alice picks "Art"')
    assert "Interests saved: Art. I couldn't take back the role python; a moderator can." in said


async def test_without_dms_the_checklist_is_posted_in_the_welcome_channel(console: ConsoleDriver) -> None:
    """tester-b: `welcome_dm no` read `@alice, Hi! here is your checklist` (a lowercase sentence after `Hi!`)."""
    said = await console.run(
        "@mod is moderator\n@mod: /onboarding channel welcome #welcome\n@mod: /onboarding set welcome_dm no\n"
        "@alice joins"
    )
    assert "[#welcome] @alice, here is your checklist (the buttons work for you)." in said
    assert "[dm @alice]" not in said
    said = await console.run('@alice clicks "I agree to the rules"')
    assert "[only @alice] Thanks for agreeing to the rules!" in said


async def test_the_setup_says_where_the_checklist_goes(console: ConsoleDriver) -> None:
    """tester-b: with `welcome_dm no` and no welcome channel newcomers got no checklist at all, while
    `/onboarding show` said "Newcomers get their checklist (or a mention in (no channel set) when DMs are closed)"."""
    said = await console.run("@mod is moderator\n@mod: /onboarding show")
    assert "Checklist: Newcomers get their checklist by direct message (none when their DMs are closed" in said
    said = await console.run("@mod: /onboarding set welcome_dm no\n@mod: /onboarding show")
    assert "Checklist: ⚠️ Newcomers get no checklist: `welcome_dm` is no and no welcome channel is set" in said
    said = await console.run("@mod: /onboarding channel welcome #welcome\n@mod: /onboarding show")
    assert "Checklist: Newcomers get their checklist as a mention in #welcome." in said
    said = await console.run("@mod: /onboarding set welcome_dm yes\n@mod: /onboarding show")
    assert "by direct message (or a mention in #welcome when their DMs are closed)." in said


async def test_a_reminder_that_reached_nobody_is_not_reported_as_sent(console: ConsoleDriver) -> None:
    """tester-b: with the newcomer's DMs closed and no welcome channel, the reminder reached nobody, yet
    `/onboarding status` said "(reminded)" and the moderators' alert did not say so."""
    said = await console.run(
        "@mod is moderator\n@mod: /onboarding channel mods #mods\n@ann closes dms\n@ann joins\n"
        "wait 25h\n@mod: /onboarding status"
    )
    assert "@ann — Accept the rules, for 1 day 1 hour (the reminder could not reach them: DMs closed" in said
    assert "(reminded)" not in said
    said = await console.run("wait 2d")
    assert (
        "[#mods] 🧭 @ann has been stuck at Accept the rules for 3 days. My reminder could not reach them "
        "(their DMs are closed and no welcome channel is set). A personal hello might help." in said
    )
    # A reminder that reached her reads as before.
    said = await console.run("@bob joins\nwait 25h\n@mod: /onboarding status")
    assert "@bob — Accept the rules, for 1 day 1 hour (reminded)" in said


async def test_with_the_rules_step_off_a_newcomer_gets_the_access_on_joining(console: ConsoleDriver) -> None:
    """tester-s: with the rules step off nobody can agree, so the access role was never given to a newcomer (locked
    out of the channels it opens), while a member leaving and coming back got it, "your roles are back"."""
    said = await console.run(
        "@mod is moderator\n@mod: /onboarding channel mods #mods\n@mod: /onboarding access role:&member\n"
        "@mod: /onboarding step rules off\n@mod: /onboarding show"
    )
    assert "Rules: off; newcomers get the role member on joining." in said
    said = await console.run("@alice joins")
    assert "[roles] @alice now has the role &member" in said
    said = await console.run("bot cannot grant &member\n@bob joins")
    assert "⚠️ I couldn't give @bob the role member" in said
    assert "[dm @bob] Welcome to Console, @bob! 👋" in said  # the checklist goes all the same


async def test_the_examples_for_the_rules_and_the_welcome_are_worth_typing(console: ConsoleDriver) -> None:
    """tester-s: a bare `/onboarding rules` offered `/onboarding rules "text"`, which, typed, made the rules every
    newcomer agrees to read "text" (the welcome message alike)."""
    said = await console.run("@mod is moderator\n@mod: /onboarding rules\n@mod: /onboarding message")
    examples = re.findall(r"— for example `(.+)`$", said, flags=re.MULTILINE)
    assert [example.split()[:2] for example in examples] == [["/onboarding", "rules"], ["/onboarding", "message"]]
    said = await console.run("\n".join(f"@mod: {example}" for example in examples) + "\n@mod: /onboarding show")
    assert "Done: the rules are changed." in said and "Done: the welcome message is changed." in said
    assert '"text"' not in said and "Rules: text" not in said and "Message: text" not in said


async def test_an_interest_removed_is_no_longer_anyones_choice(console: ConsoleDriver) -> None:
    """tester-s: a member whose only interest was removed read "✅ Choose your interests: " ending in nothing, and
    an interest of that name offered again later showed as theirs (✓), with a role they were never given."""
    await console.run(
        "@mod is moderator\n@mod: /onboarding interest-add Chess role:&chess\n"
        "@mod: /onboarding interest-add Go role:&go\n"
        '@alice joins\n@alice picks "Chess"\n@mod: /onboarding interest-remove Chess'
    )
    said = await console.run("@alice: /onboarding checklist")
    assert "✅ Choose your interests\n" in said and "✅ Choose your interests:" not in said
    said = await console.run("@mod: /onboarding interest-add chess role:&chess2\n@alice: /onboarding checklist")
    assert '{Choose your interests: "Go", "chess" (up to 2)}' in said


async def test_an_interest_replaced_with_another_role_is_no_longer_anyones_choice(console: ConsoleDriver) -> None:
    """tester-i: `interest-add PYTHON role:&py` over `Python` → `&python` showed the interest as a member's choice (✓)
    with the role &py they were never given; the same role, a new spelling, keeps the choice."""
    await console.run(
        "@mod is moderator\n@mod: /onboarding interest-add Python role:&python\n"
        "@mod: /onboarding interest-add Go role:&go\n"
        '@alice joins\n@alice picks "Python", "Go"'
    )
    said = await console.run(
        "@mod: /onboarding interest-add PYTHON role:&py\n@mod: /onboarding interest-add GO role:&go"
    )
    assert "Members who had chosen it keep what it gave and can choose it again for the new one" in said
    said = await console.run("@alice: /onboarding checklist")
    assert '{Choose your interests: "GO" ✓, "PYTHON" (up to 2)}' in said


async def test_a_checklist_clicked_after_leaving_changes_nothing(console: ConsoleDriver, hearth: Hearth) -> None:
    """tester-s: the buttons of a checklist in a DM still work once its newcomer left (Discord keeps the DM): agreeing
    tried to give a departed member the access role (the moderators were told it failed) and recorded the step and
    its points for someone no longer there."""
    await console.run(SETUP + "@alice joins\n@alice leaves")
    said = await console.run('@alice clicks "I agree to the rules"\n@alice picks "Python"')
    refused = (
        "[only @alice] You're no longer a member of Console, so your checklist does nothing now. If you come back, "
        "it carries on where you left it."
    )
    assert said.count(refused) == 2 and "[roles]" not in said
    assert await ledger_rows(hearth, "onboarding_step") == [("alice", 0, "joined")]  # no step taken
    said = await console.run("@alice joins")
    assert "⬜ Accept the rules" in said and "⬜ Choose your interests" in said and "[roles]" not in said


async def test_a_checklist_clicked_after_leaving_and_being_anonymised_changes_nothing(
    console: ConsoleDriver, hearth: Hearth
) -> None:
    """tester-a2: once a member who left was anonymised (`departed_retention`), Hearth no longer knew their id, so a
    click on the checklist their DMs kept read as a member still here whose data was deleted: a journey began for
    someone not there, the step and its points were recorded (they topped the board), the access role was tried
    and the moderators saw them "on their way in"."""
    await console.run(
        SETUP + "@boss is admin\n@boss: /config set departed_retention 1h\n@alice joins\n@alice leaves\nwait 2h"
    )
    said = await console.run('@alice clicks "I agree to the rules"\n@mod: /onboarding status\n@bob: /leaderboard')
    assert (
        "[only @alice] You're no longer a member of Console, so your checklist does nothing now. If you come back, "
        "you'll get a new one."
    ) in said
    assert "[roles]" not in said and "[#mods]" not in said and "alice" not in said.split("[only @alice]")[1]
    [(anonymous, _, step)] = await ledger_rows(hearth, "onboarding_step")  # the first journey's, kept anonymous
    assert anonymous.startswith("former-") and step == "joined"
    said = await console.run('@alice joins\n@alice clicks "I agree to the rules"')  # back: a newcomer again
    assert "⬜ Accept the rules" in said and "[roles] @alice now has the role &member" in said


async def test_the_setup_says_when_a_welcome_or_an_alert_has_nowhere_to_go(console: ConsoleDriver) -> None:
    """tester-s: with no welcome or mods channel, `/onboarding show` said the welcome was "posted in (no channel
    set)" and that moderators "hear in (no channel set)", as if they went somewhere."""
    said = await console.run("@mod is moderator\n@mod: /onboarding step rules off\n@mod: /onboarding show")
    assert "Welcome: ⚠️ none is posted: no welcome channel is set (`/onboarding channel welcome #channel`)." in said
    assert "moderators are not told: no mods channel is set (`/onboarding channel mods #channel`)." in said
    assert "Rules: off.\n" in said
    assert "(no channel set) as soon" not in said and "hear in (no channel set)" not in said


async def test_switching_the_rules_off_gives_the_access_to_newcomers_yet_to_agree(console: ConsoleDriver) -> None:
    """tester-s: newcomers who had not agreed when a moderator switched the rules step off could agree no more, so
    they never got the access role (newcomers joining later get it on joining)."""
    await console.run(
        "@mod is moderator\n@mod: /onboarding channel mods #mods\n@mod: /onboarding access role:&member\n"
        '@ann joins\n@bob joins\n@cat joins\n@ann clicks "I agree to the rules"\n@cat leaves'
    )
    said = await console.run("@mod: /onboarding step rules off")
    assert re.findall(r"^\[roles\] .*", said, re.MULTILINE) == ["[roles] @bob now has the role &member"]
    assert "is now off. The one newcomer who had not agreed yet now has the role member." in said
    said = await console.run(
        "@mod: /onboarding step rules required\n@dan joins\n@eve joins\nbot cannot grant &member\n"
        "@mod: /onboarding step rules off"
    )
    assert "I couldn't give the role member to 3 newcomers who had not agreed yet: " in said  # bob, dan, eve
    assert "[roles]" not in said


async def test_a_newcomer_who_joined_through_another_process_says_hello_through_this_one(database_url: str) -> None:
    """Two Hearth processes on one PostgreSQL database: the newcomer's join reaches one, their hello the other, which
    had read a moment before who still has to say hello. The step stayed open (the other process read that list
    again a minute later, and knew the newcomer by an id of its own until it wrote), so their checklist went on
    asking them to say hello, and the reminder came."""
    if not database_url.startswith("postgresql"):
        pytest.skip("a SQLite file is served by one process")
    async with hearth_instance(database_url, START) as one, hearth_instance(database_url, START) as other:
        await other.run("@alice: hi")  # the other process has read who still has to say hello: nobody
        await one.run("@newbie joins")
        async with other.platform.hearth.db.read() as session:  # a round trip: what the first announced arrives
            await session.execute(select(1))
        await other.run("@newbie: hello everyone")
        said = await one.run("@newbie: /onboarding checklist")
        assert "✅ Say hello in any channel" in said
