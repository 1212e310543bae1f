"""Level-ups: announced where the community chose, rewarded with roles, a refused role told to mods once."""

from __future__ import annotations

import asyncio
from pathlib import Path
from tempfile import mkdtemp
from typing import cast

import pytest

from bot.core.events import MessagePosted
from bot.core.refs import ChannelRef, CommunityRef, Member, MemberRef
from bot.core.runtime import Hearth
from bot.core.scheduling import VirtualScheduler
from bot.platforms.console import ConsolePlatform
from cogs.recognition.levelups import LevelUps
from tests.conftest import ConsoleDriver, NewRuntime, console_driver
from tests.platforms.fake_discord import WAIT_SECONDS


async def test_level_up_is_announced_and_rewarded_with_roles(console: ConsoleDriver) -> None:
    # linear curve, 10 points a level: each kudos (10 points) is a level.
    said = await console.run(
        """
        @admin is admin
        @admin: /config set level_curve linear
        @admin: /config set level_step 10
        @admin: /config set level_roles_stack no
        @admin: /levels role 1 &helper
        @admin: /levels role 2 &veteran
        @alice: /kudos @bob thanks
        @carol: /kudos @bob thanks again
        """
    )
    assert "@bob reached level 1!" in said
    assert "@bob reached level 2!" in said
    assert "@bob now has the role &helper" in said
    assert "@bob now has the role &veteran" in said
    assert "@bob no longer has the role &helper" in said


async def test_a_role_rewarding_two_levels_is_given_once(console: ConsoleDriver) -> None:
    """Until 2026-12-01 the member was given it twice ("now has the role &regular", twice), and `/levels sync`
    counted two roles given."""
    said = await console.run(
        """
        @admin is admin
        @admin: /config set level_curve linear
        @admin: /config set level_step 10
        @admin: /levels role 1 &regular
        @admin: /levels role 3 &regular
        @admin: /points adjust @bob 30 seed
        @admin: /levels sync
        """
    )
    assert "@bob reached level 3!" in said
    assert said.count("@bob now has the role &regular") == 2  # the level-up, then the sync
    assert "Level roles re-applied for 1 member (1 role given or removed" in said


async def test_a_level_up_gives_only_the_roles_the_member_did_not_hold(console: ConsoleDriver) -> None:
    """With stacking, each level-up gave every role up to the level again ("now has the role &helper" at level 1,
    2 and 3: a call to Discord each, within its rate limits)."""
    said = await console.run(
        """
        @admin is admin
        @admin: /config set level_curve linear
        @admin: /config set level_step 10
        @admin: /levels role 1 &helper
        @admin: /levels role 2 &veteran
        @alice: /kudos @bob thanks
        @carol: /kudos @bob thanks again
        @dana: /kudos @bob and again
        """
    )
    assert "@bob reached level 3!" in said
    assert said.count("@bob now has the role &helper") == 1
    assert said.count("@bob now has the role &veteran") == 1


async def test_levels_sync_gives_roles_to_members_hidden_from_boards(console: ConsoleDriver) -> None:
    """Until 2026-12-01 sync walked the all-time board, which leaves hidden members out: bob never got &gold."""
    said = await console.run(
        """
        @admin is admin
        @admin: /config set kudos_points 1000
        @bob: /privacy boards:hide
        @admin: /kudos @bob great
        @admin: /levels role 3 &gold
        @admin: /levels sync
        """
    )
    assert "@bob now has the role &gold" in said
    assert "Level roles re-applied for 1 member (1 role given or removed" in said


async def test_level_ups_off_and_a_refused_role_told_once(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @admin is admin
        @admin: /config set mod_channel #mods
        @admin: /config set level_curve linear
        @admin: /config set level_step 10
        @admin: /config set level_up_announce off
        @admin: /levels role 1 &helper
        bot cannot grant &helper
        @alice: /kudos @bob thanks
        @alice: /kudos @carol thanks
        @alice: /kudos @dana thanks
        """
    )
    assert "reached level" not in said
    assert said.count("I can't give the reward role of level 1: ") == 1


async def test_levels_sync_gives_roles_to_members_already_there(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @admin is admin
        @alice: /kudos @bob thanks
        @alice: /kudos @carol thanks
        @admin: /config set level_curve linear
        @admin: /config set level_step 10
        @admin: /levels sync
        @admin: /levels role 1 &helper
        @admin: /levels sync
        """
    )
    assert "No level rewards roles: `/levels role LEVEL &role` sets one." in said  # the console's role form
    assert "@bob now has the role &helper" in said
    assert "@carol now has the role &helper" in said
    assert (
        "Level roles re-applied for 2 members (2 roles given or removed, counting those already held or already gone)."
        in said
    )


async def test_levels_sync_takes_the_role_of_a_member_whose_points_dropped_to_zero_or_below(
    console: ConsoleDriver,
) -> None:
    """Sync is how an admin repairs roles once Hearth may manage them again, but it read only members above 0
    points: bob, taken to 0 and carol below it while Hearth could not take &bronze, kept it after the sync."""
    said = await console.run(
        """
        @admin is admin
        @admin: /config set level_curve linear
        @admin: /config set level_step 10
        @admin: /levels role 1 &bronze
        @admin: /points adjust @bob 15 import
        @admin: /points adjust @carol 15 import
        bot cannot grant &bronze
        @admin: /points adjust @bob -15 import undone
        @admin: /points adjust @carol -30 too much
        bot can grant &bronze
        @admin: /levels sync
        """
    )
    assert roles(said)[2:] == ["@bob no longer has the role &bronze", "@carol no longer has the role &bronze"]
    assert "Level roles re-applied for 2 members" in said


async def test_a_level_reached_by_messages_is_announced_when_its_batch_is_written(hearth: Hearth) -> None:
    arrived = asyncio.Event()
    blocks: list[str] = []

    def write(where: str, lines: list[str]) -> None:
        blocks.append(f"[{where}] " + "\n".join(lines))
        arrived.set()

    console = ConsolePlatform(hearth, cast(VirtualScheduler, hearth.services.scheduler), write, Path(mkdtemp()))
    await console.run_lines(
        [
            "@admin is admin",
            "@admin: /config set level_curve linear",
            "@admin: /config set level_step 3",
            "@admin: /config set activity_cooldown 0s",
            "@alice: good morning everyone",
            "@alice: the release notes are up",
            "@alice in #ideas: what about a picnic in June",
        ]
    )
    assert not any("reached level" in block for block in blocks)  # the three points still wait in memory

    async def announced(text: str) -> None:
        await hearth.services.activity.flush()  # what the buffer does within HEARTH_ACTIVITY_FLUSH_SECONDS
        while text not in blocks:
            arrived.clear()
            await asyncio.wait_for(arrived.wait(), WAIT_SECONDS)

    # Announced where the level was reached: alice's latest message was in #ideas.
    await announced("[#ideas] ⬆️ @alice reached level 1!")
    await console.run_lines(["@alice: lunch is at noon today", "@alice: see you all tomorrow"])
    # +10 by kudos while the two messages wait: 13 points, level 4, announced by the kudos itself.
    await console.run_lines(["@bob: /kudos @alice thanks"])
    assert "[#general] ⬆️ @alice reached level 4!" in blocks
    # The batch reads alice's total in its own transaction: 13 before it, 15 after, so level 5 (not 1 to 5 again).
    await announced("[#general] ⬆️ @alice reached level 5!")
    assert [block for block in blocks if "reached level" in block] == [
        "[#ideas] ⬆️ @alice reached level 1!",
        "[#general] ⬆️ @alice reached level 4!",
        "[#general] ⬆️ @alice reached level 5!",
    ]


async def test_levels_reached_in_a_batch_are_recorded_in_its_own_transaction(hearth: Hearth) -> None:
    blocks: list[str] = []
    scheduler = cast(VirtualScheduler, hearth.services.scheduler)
    console = ConsolePlatform(hearth, scheduler, lambda _, lines: blocks.extend(lines), Path(mkdtemp()))
    setup = [
        "@admin is admin",
        "@admin: /config set level_curve linear",
        "@admin: /config set level_step 2",
        "@admin: /config set activity_cooldown 0s",
    ]
    said = ["good morning everyone", "the release notes are up"]
    await console.run_lines(setup + [f"@{who}: {text}" for who in ("ann", "ben", "cy") for text in said])
    writes = hearth.services.db.writes

    await hearth.services.activity.flush()
    await hearth.services.activity.close()  # waits for the batch's follow-ups: the announcements

    assert sorted(line for line in blocks if "reached level" in line) == [
        "⬆️ @ann reached level 1!",
        "⬆️ @ben reached level 1!",
        "⬆️ @cy reached level 1!",
    ]
    # One write transaction: the batch, with its level-ups recorded as announced (until 2026-12-02 each level-up
    # took a write transaction of its own, in turn with the batches).
    assert hearth.services.db.writes == writes + 1


async def test_a_level_is_announced_once_even_after_a_drop_and_a_restart(
    hearth: Hearth, new_runtime: NewRuntime
) -> None:
    first = console_driver(hearth)
    said = await first.run(
        """
        @admin is admin
        @admin: /points adjust @dana 100 test
        @admin: /points adjust @dana -100 oops
        @admin: /points adjust @dana 100 test again
        @admin: /points adjust @dana -100 oops again
        """
    )
    assert said.count("@dana reached level 1!") == 1
    # A new process on the same database remembers what was announced.
    later = console_driver(await new_runtime())
    said = await later.run(
        """
        @admin is admin
        @admin: /points adjust @dana 100 once more
        @admin: /points adjust @dana 200 further
        """
    )
    assert "@dana reached level 1!" not in said
    assert said.count("@dana reached level 2!") == 1


async def test_limits_and_audit_figures_have_thousands_separators(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @admin is admin
        @admin: /points adjust @bob 200000 too much
        @admin: /levels role 5000 &helper
        @admin: /points adjust @bob 5000 a lot
        @admin: /recognition audit
        """
    )
    assert "Amount must be at most 100,000." in said
    assert "Level must be at most 1,000." in said
    assert "adjusted bob +5,000 by admin — a lot" in said


async def test_levels_past_999_have_thousands_separators(console: ConsoleDriver) -> None:
    """A level is a figure too: on the linear curve a small step reaches four-digit levels."""
    said = await console.run(
        """
        @admin is admin
        @admin: /config set level_curve linear
        @admin: /config set level_step 2
        @admin: /points adjust @bob 24690 a lot
        @admin: /rank @bob
        """
    )
    assert "@bob reached level 12,345!" in said
    assert "Level: 12,345 (0/2 to 12,346)" in said
    assert "12345" not in said and "12346" not in said


def roles(said: str) -> list[str]:
    """The role changes the console reported, in order."""
    return [line.strip().removeprefix("[roles] ") for line in said.splitlines() if "has the role" in line]


async def test_a_drop_takes_away_the_roles_above_the_level_without_stacking(console: ConsoleDriver) -> None:
    # mee6 curve: level 1 at 100 points, level 2 at 255.
    said = await console.run(
        """
        @admin is admin
        @admin: /levels role 1 &regular
        @admin: /levels role 2 &veteran
        @admin: /config set level_roles_stack no
        @admin: /points adjust @bob 300 import
        @admin: /points adjust @bob -150 oops
        @admin: /points adjust @bob -100 oops again
        """
    )
    assert roles(said) == [
        "@bob now has the role &veteran",  # straight to level 2: &regular was never his, so nothing is taken
        "@bob no longer has the role &veteran",  # 150 points: level 1, only the highest at or below it
        "@bob now has the role &regular",
        "@bob no longer has the role &regular",  # 50 points: level 0, no reward at all
    ]


async def test_a_drop_takes_away_every_role_above_the_level_with_stacking(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @admin is admin
        @admin: /levels role 1 &regular
        @admin: /levels role 2 &veteran
        @admin: /points adjust @bob 300 import
        @admin: /points adjust @bob -250 oops
        """
    )
    assert roles(said) == [
        "@bob now has the role &regular",
        "@bob now has the role &veteran",
        "@bob no longer has the role &regular",
        "@bob no longer has the role &veteran",
    ]


async def test_levels_sync_takes_away_roles_above_the_level(console: ConsoleDriver) -> None:
    # &veteran moves up to level 5: bob (level 2) holds it from before and sync takes it back.
    said = await console.run(
        """
        @admin is admin
        @admin: /levels role 1 &regular
        @admin: /levels role 2 &veteran
        @admin: /points adjust @bob 300 import
        @admin: /levels role 2
        @admin: /levels role 5 &veteran
        @admin: /levels sync
        """
    )
    assert roles(said)[2:] == ["@bob no longer has the role &veteran", "@bob now has the role &regular"]


async def test_a_level_that_stops_rewarding_a_role_says_members_keep_it(console: ConsoleDriver) -> None:
    """The role stays with who has it and sync leaves it alone, which the reply did not say (a tester's finding)."""
    said = await console.run(
        """
        @admin is admin
        @admin: /levels role 1 &regular
        @admin: /points adjust @bob 300 import
        @admin: /levels role 1
        @admin: /levels sync
        """
    )
    assert (
        "[only @admin] Level 1 no longer rewards a role. Members who have that role keep it: Hearth no longer gives"
        " or takes it." in said
    )
    assert roles(said) == ["@bob now has the role &regular"]


async def test_voided_kudos_take_the_level_role_back(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @admin is admin
        @admin: /config set kudos_points 100
        @admin: /levels role 1 &one
        @alice: /kudos @bob thanks
        @admin: /recognition void 1 mistake
        @bob: /rank
        """
    )
    assert "Level: 0 (0/100 to 1)" in said
    assert roles(said) == ["@bob now has the role &one", "@bob no longer has the role &one"]


async def test_a_removed_reaction_and_a_deleted_message_take_the_level_role_back(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @admin is admin
        @admin: /config set kudos_points 100
        @admin: /levels role 1 &one
        @bob: a long answer
        @alice reacts 🙌 to @bob
        @alice removes 🙌 from @bob
        @carol: another answer
        @alice reacts 🙌 to @carol
        @carol deletes last message
        """
    )
    assert roles(said) == [
        "@bob now has the role &one",
        "@bob no longer has the role &one",
        "@carol now has the role &one",
        "@carol no longer has the role &one",
    ]


async def test_a_level_up_channel_closed_to_hearth_gives_the_role_and_tells_the_member_by_dm(
    console: ConsoleDriver,
) -> None:
    """The level-up channel became read-only after it was chosen (the post fails as a Discord 403 does): the role is
    given all the same, and the member hears of their level by DM, as where the points were earned takes no message
    (until 2026-12-02 the announcement was refused in `level_up_channel` and nobody heard of the level; a tester's
    finding)."""
    said = await console.run(
        """
        @admin is admin
        @admin: /config set level_up_channel #levels
        channel #levels is read-only
        @admin: /levels role 1 &one
        @admin: /points adjust @bob 100 import
        @carol closes dms
        @admin: /points adjust @carol 100 import
        """
    )
    assert "[dm @bob] ⬆️ @bob reached level 1!" in said
    assert "[#levels]" not in said and "@carol reached level" not in said  # DMs closed too: nowhere left to tell
    assert roles(said) == ["@bob now has the role &one", "@carol now has the role &one"]


async def test_a_member_who_left_is_not_congratulated_nor_given_roles(console: ConsoleDriver) -> None:
    """An adjustment for a member who left announced "⬆️ @alice reached level 5!" in the channel and gave them the
    level's roles (which Discord refuses for one no longer in the server). They get their roles once they are back
    (until 2026-12-01 only with `/levels sync`)."""
    said = await console.run(
        """
        @admin is admin
        @admin: /config set level_curve linear
        @admin: /config set level_step 10
        @admin: /levels role 1 &one
        @alice: hello
        @alice leaves
        @admin: /points adjust @alice 50 points from the old bot
        @admin: /points adjust @alice -5 too many
        """
    )
    assert "+50 points for alice" in said and "-5 points for alice" in said
    assert "reached level" not in said
    assert roles(said) == []
    back = await console.run("@alice joins")
    assert roles(back) == ["@alice now has the role &one"]


async def test_a_level_up_by_dm_falls_back_to_the_level_up_channel(console: ConsoleDriver) -> None:
    """tester-z1: with `level_up_announce dm` and the member's DMs closed, the announcement went where the points
    were earned (a moderators' channel an adjustment was made in), not to `level_up_channel` as `channel` does."""
    said = await console.run(
        """
        @admin is admin
        @admin: /config set level_up_channel #levels
        @admin: /config set level_up_announce dm
        @bob closes dms
        @carol closes dms
        @admin in #mod-room: /points adjust @bob 100 import
        @admin: /config set level_up_channel none
        @admin in #mod-room: /points adjust @carol 100 import
        """
    )
    assert "[#levels] @bob, I couldn't send you a direct message, so here it is.\n  ⬆️ @bob reached level 1!" in said
    assert "[#mod-room] @carol, I couldn't send you a direct message" in said  # no level-up channel: where it was
    assert "[#mod-room] @bob" not in said


async def test_a_member_hidden_from_boards_hears_of_their_level_privately(console: ConsoleDriver) -> None:
    """tester-a: a member hidden with `/privacy boards:hide` (so others' `/rank` says they are not on the boards)
    had their level announced in the channel for everyone to read."""
    said = await console.run(
        """
        @admin is admin
        @admin: /config set level_curve linear
        @admin: /config set level_step 10
        @admin: /levels role 1 &helper
        @zed: /privacy boards:hide
        @alice: /kudos @zed thanks
        """
    )
    assert "[dm @zed] ⬆️ @zed reached level 1!" in said
    assert "[#general] ⬆️" not in said
    assert "@zed now has the role &helper" in said  # the reward is theirs all the same
    said = await console.run("@zed closes dms\n@bob: /kudos @zed thanks again")
    assert "reached level 2" not in said  # with their DMs closed nobody is told, not the channel
    said = await console.run("@zed: /privacy boards:show\n@carol: /kudos @zed thanks once more")
    assert "[#general] ⬆️ @zed reached level 3!" in said


async def test_a_level_reached_by_a_rituals_points_is_announced_and_rewarded(console: ConsoleDriver) -> None:
    """Until 2026-12-01 only kudos, adjustments, voids and message activity were checked: 100 points from a ritual
    reached level 1 in silence, without its role, and later points within the level did not catch up (a tester's
    finding)."""
    said = await console.run(
        """
        @you is admin
        @you: /levels role 1 &regular
        @you: /ritual create big #x "daily at 09:00" prompt:"Say hi" points:100
        wait 1d
        @zoe in #x: good morning from zoe
        """
    )
    assert "[#x] ⬆️ @zoe reached level 1!" in said
    assert "[roles] @zoe now has the role &regular" in said


async def test_a_level_reached_by_onboarding_and_an_intro_gives_its_role(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @mod is admin
        @mod: /config set level_curve linear
        @mod: /config set level_step 30
        @mod: /levels role 1 &regular
        @mod: /onboarding channel intros #intros
        @mod: /onboarding step hello off
        @mod: /onboarding step interests off
        @newbie joins
        @newbie clicks "I agree to the rules"
        @newbie: /intro
        @newbie submits name=New; location=Here; about=hi; interests=chess
        @newbie: /rank
        """
    )
    assert "Level: 1" in said
    assert "[roles] @newbie now has the role &regular" in said


async def test_a_level_a_kudos_made_someone_reach_is_announced_under_the_kudos(console: ConsoleDriver) -> None:
    """ "⬆️ @bob reached level 1!" came above the kudos that made it happen (a tester's finding)."""
    said = await console.run(
        """
        @admin is admin
        @admin: /config set kudos_points 100
        @carol: /kudos @bob thanks for everything
        """
    )
    kudos, level = said.index("[#general] @bob, you got kudos from @carol!"), said.index("⬆️ @bob reached level 1!")
    assert kudos < level


async def test_a_level_reached_with_no_channel_to_announce_in_is_told_by_dm(console: ConsoleDriver) -> None:
    """Points an intro's form gave (no channel), with no `level_up_channel`: the level was announced nowhere (a
    tester's finding)."""
    said = await console.run(
        """
        @admin is admin
        @admin: /onboarding channel intros #intros
        @admin: /points adjust @bob 95 import
        @bob: /intro
        @bob submits name=Bob; location=here; about=hi; interests=go
        """
    )
    assert "[dm @bob] ⬆️ @bob reached level 1!" in said


async def test_levels_reached_in_successive_batches_are_announced_in_order(hearth: Hearth) -> None:
    """A batch's announcements follow once it committed, in a task of their own; the next batch's waited for them.
    Until 2026-12-02 they ran side by side: a busy member's level 2 could be posted before their level 1 (and, with
    `level_roles_stack no`, their level-1 role given after the level-2 one, both kept)."""
    blocks: list[str] = []
    scheduler = cast(VirtualScheduler, hearth.services.scheduler)
    console = ConsolePlatform(hearth, scheduler, lambda _, lines: blocks.extend(lines), Path(mkdtemp()))
    await console.run_lines(
        [
            "@admin is admin",
            "@admin: /config set level_curve linear",
            "@admin: /config set level_step 2",
            "@admin: /config set activity_cooldown 0s",
        ]
    )
    others = [f"m{n}" for n in range(10)]
    # The first batch: ten members, then bob, reach level 1 (bob's is announced last).
    await console.run_lines([f"@{who}: {text}" for who in [*others, "bob"] for text in ("good morning", "hi all")])
    await hearth.services.activity.flush()
    # The second: bob reaches level 2, while the first batch's announcements are under way.
    await console.run_lines(["@bob: the release notes are up", "@bob: see you at the standup"])
    await hearth.services.activity.flush()
    await hearth.services.activity.close()  # waits for the batches' follow-ups: the announcements

    assert [line for line in blocks if "@bob reached level" in line] == [
        "⬆️ @bob reached level 1!",
        "⬆️ @bob reached level 2!",
    ]


async def test_a_community_whose_level_ups_are_slow_to_post_holds_up_no_other(
    hearth: Hearth, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches' level-ups wait for the previous batch's in their own community only: a server whose roles are rate
    limited (here: an announcement that does not return) does not hold up another's."""
    slow, quick = CommunityRef("discord", "1", "Slow"), CommunityRef("discord", "2", "Quick")
    for community in (slow, quick):
        community_id = (await hearth.services.identity.community(community)).id
        for key, value in (("level_curve", "linear"), ("level_step", "2"), ("activity_cooldown", "0s")):
            await hearth.services.settings.set(community_id, key, value)
    stuck, announced = asyncio.Event(), asyncio.Queue[str]()

    async def announce(_: LevelUps, member: Member, level: int, *__: object, **___: object) -> None:
        if member.ref.community == slow:
            await stuck.wait()
        await announced.put(f"{member.ref.display_name} level {level}")

    monkeypatch.setattr(LevelUps, "_announce", announce)

    async def two_messages(community: CommunityRef, who: str) -> None:
        for number, text in enumerate(("good morning everyone", "the release notes are up")):
            author = MemberRef(community, who, who)
            key = f"{community.external_id}-{who}-{number}"
            channel = ChannelRef(community, "general", "general")
            await hearth.dispatch(
                MessagePosted(event_id=key, author=author, channel=channel, message_id=key, text=text)
            )

    await two_messages(slow, "ann")  # first in the batch: its announcement is under way first
    await two_messages(quick, "ben")
    await hearth.services.activity.flush()

    try:
        first = await asyncio.wait_for(announced.get(), WAIT_SECONDS)
    finally:
        stuck.set()
    second = await asyncio.wait_for(announced.get(), WAIT_SECONDS)

    assert (first, second) == ("ben level 1", "ann level 1")
