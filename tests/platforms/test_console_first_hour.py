"""What a newcomer to Hearth types in their first hour on the console, and what they should read back."""

from __future__ import annotations

import re

from tests.conftest import ConsoleDriver


async def test_a_channel_setting_must_be_a_channel(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @you is admin
        @you: /config set welcome_channel #welcome
        @you: /config set welcome_channel welcome
        @you: /config show
        """
    )
    assert "Done: `welcome_channel` not set → #welcome." in said
    assert "`welcome_channel` needs a channel (`welcome` is not a channel I can find)" in said
    assert "welcome_channel: #welcome" in said  # the refused text stored nothing
    assert "##" not in said


async def test_typed_values_are_read_as_meant_or_refused_in_plain_words(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @you is admin
        @you: /config set activity_cooldown 5 minutes
        @you: /config set kudos_points abc
        @you: /config set ritual_grace 9d
        @you: /config set welcome_when never
        @you: /onboarding set nudge_after 2 hours
        """
    )
    assert "Done: `activity_cooldown` 1 minute → 5 minutes." in said
    assert "`abc` is not a valid value for `kudos_points`: a whole number is expected." in said
    assert "`9d` is not a valid value for `ritual_grace`: it can be at most 7 days." in said
    assert "`never` is not a valid value for `welcome_when`: choose one of join or completion." in said
    assert "`nudge_after` is now 2 hours" in said
    assert "Input should" not in said


async def test_positional_input_fills_the_option_it_fits(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @you is admin
        @you: /onboarding interest-add "Board Games" #board-games
        @you: /onboarding show
        """
    )
    assert "Board Games → #board-games" in said


async def test_a_refused_positional_line_says_what_was_understood(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @you is admin
        @you: /ritual create standup #standup sometimes at 09:00
        @you: /kudos bob thanks
        @you: /config set
        """
    )
    # No schedule reads however many words it takes (`daily at 09:00` would): the guess is shown.
    assert "I can't read the schedule `sometimes`." in said
    assert "I understood: name `standup`, channel `#standup`, schedule `sometimes`, prompt `at 09:00`." in said
    assert (
        'for example `/ritual create standup #general "weekdays at 09:30" prompt:"What are you working on today?"`'
    ) in said
    assert "I couldn't find the member `bob`. Usage:" in said
    assert (
        "Usage: `/kudos member [reason] [member2] [member3] [member4] [member5]` — for example `/kudos @alex`"
    ) in said
    assert "`/config set` needs key. Usage: `/config set key [value] [channel]` — for example" in said


async def test_the_example_a_refusal_offers_works_as_typed(console: ConsoleDriver) -> None:
    """Built from the option names, examples were refused themselves (`/birthday set "date"`, a ritual whose
    schedule is `schedule`, a ladder role called `role`), or worse: `/points adjust @alex -100000 "reason"`."""
    commands = (
        "/points adjust",
        "/birthday set",
        "/ritual create",
        "/ritual edit",
        "/onboarding set",
        "/onboarding intro-field",
        "/ladder invite",
        "/ladder volunteer",
    )
    refusals = await console.run("@you is admin\n" + "\n".join(f"@you: {command}" for command in commands))
    examples = re.findall(r"— for example `(.+)`$", refusals, flags=re.MULTILINE)
    assert [example.split(" @")[0].split(" ")[:2] for example in examples] == [c.split() for c in commands]
    assert "-100000" not in refusals
    said = [await console.run(f"@you: {example}") for example in examples]
    assert [
        answer.splitlines()[-1 if example.startswith("/ladder invite") else 0]
        for example, answer in zip(examples, said, strict=True)
    ] == [
        "[only @you] +50 points for alex (points from our old bot); it is in `/recognition audit`.",
        "[only @you] Saved: 14 July. No celebration ritual runs here yet, so it will be celebrated once moderators "
        "set one up (`/ritual create` with `kind:celebration`). Remove it with `/birthday remove`.",
        "[only @you] Ritual standup is set.",
        "[only @you] Ritual standup is changed.",
        "[only @you] Done: `nudge_after` is now 12 hours. (/onboarding show shows the whole setup.)",
        "[only @you] Done. The intro form now asks:",
        "[only @you] Invited @alex to be a mentor; they'll answer privately.",
        "[only @you] Thank you for volunteering as mentor! The moderators will see it.",
    ]


async def test_a_group_alone_lists_its_verbs(console: ConsoleDriver) -> None:
    said = await console.run("@you is admin\n@you: /config\n@you: /welcomer\n@you: /ritual")
    assert "`/config` needs one of these:\n  `/config set key [value] [channel]`\n  `/config show`" in said
    assert "`/welcomer join`" in said and "`/ritual run-now name`" in said
    assert "I don't know the command" not in said


async def test_the_viewer_reads_about_themselves_as_you(console: ConsoleDriver) -> None:
    said = await console.run("@you: /kudos @bob thanks\n@you: /rank\n@you: /rank @you")
    assert "you can give 4 more kudos today" in said
    assert said.count("[#general] Your standing") == 2
    assert "you's" not in said
    assert " has 4 kudos" not in said


async def test_unknown_members_are_refused_alike_by_every_command(console: ConsoleDriver) -> None:
    said = await console.run("@you: /rank nobody\n@you: /kudos nobody hi\n@you: /whois nobody")
    assert said.count("I couldn't find the member `nobody`.") == 3


async def test_a_field_the_form_lacks_is_refused_and_the_script_goes_on(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @mod is moderator
        @mod: /onboarding channel intros #intros
        @x: /intro
        @x submits pronouns=she
        @x submits name=Xan; location=Here; about=Hi; interests=chess
        @x: /whois @x
        """
    )
    assert '[only @x] The form "Introduce yourself" has no field `pronouns`; its fields are name, location' in said
    assert "[#intros] 👋 Meet Xan" in said
    assert "hasn't introduced" not in said


async def test_editing_an_intro_field_changes_only_what_was_given(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @mod is moderator
        @mod: /onboarding intro-field-remove fun_fact
        @mod: /onboarding intro-field pronouns "Pronouns" 30 no
        @mod: /onboarding intro-field pronouns "Your pronouns"
        @mod: /onboarding intro-field pronouns required:yes
        @mod: /onboarding intro-field-remove pronouns
        @mod: /onboarding intro-field pronouns
        """
    )
    assert "`pronouns` — Pronouns (up to 30, optional)" in said
    assert "`pronouns` — Your pronouns (up to 30, optional)" in said
    assert "`pronouns` — Your pronouns (up to 30, required)" in said
    assert 'A new field needs its question: `/onboarding intro-field pronouns "Your pronouns?"`.' in said


async def test_no_checklist_dm_when_every_step_is_off(console: ConsoleDriver) -> None:
    steps = "\n".join(f"@mod: /onboarding step {step} off" for step in ("rules", "interests", "intro", "hello"))
    said = await console.run(f"@mod is moderator\n{steps}\n@carol joins\n@carol: /onboarding checklist")
    assert "[dm @carol]" not in said
    assert "0 of 0" not in said
    assert "every onboarding step is off" in said


async def test_recaps_only_when_someone_took_part_and_run_now_says_when_nothing_posted(
    console: ConsoleDriver,
) -> None:
    said = await console.run(
        """
        @mod is moderator
        @mod: /ritual create standup #standup "daily at 13:00" prompt:"Plans?" window:1h
        @mod: /ritual create party #general "daily at 09:00" kind:celebration
        wait 2h
        wait 23h30m
        @alice in #standup: my plans
        wait 1h
        @mod: /ritual run-now party
        """
    )
    assert said.count("🔔 standup") == 2
    assert said.count("📋") == 1  # Wednesday's run, with nobody taking part, has no recap
    assert "📋 standup recap: 1 member took part." in said
    assert "Ran party now, and posted nothing: nothing to celebrate. Its schedule is unchanged." in said


async def test_ritual_commands_answer_privately(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @mod is moderator
        @mod: /ritual create standup #standup "daily at 13:00" prompt:"Plans?"
        wait 2h
        @alice in #standup: my plans
        @alice: /ritual streaks standup
        @alice: /ritual list
        """
    )
    assert "[only @alice] 🔥 standup streaks" in said
    assert "[only @alice] Rituals" in said
