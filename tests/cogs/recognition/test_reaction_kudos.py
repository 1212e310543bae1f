"""Kudos by reaction on the console: give, take back within the grace period, re-add, deleted messages."""

from __future__ import annotations

import pytest

from cogs.recognition.feature import same_emoji
from cogs.recognition.settings import RecognitionSettings
from config.community import SettingsCatalog
from tests.conftest import ConsoleDriver, ledger_rows


async def test_reaction_gives_kudos_once_and_removal_within_grace_takes_it_back(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @bob: here is how to fix the build
        @alice reacts 🙌 to @bob
        @carol reacts 🙌 to @bob
        @dana reacts 👍 to @bob
        @alice removes 🙌 from @bob
        @alice reacts 🙌 to @bob
        @erin: /rank @bob
        """
    )
    # alice's and carol's kudos (10 each) and bob's message (1); alice took hers back within 10 minutes, and
    # adding it again gives nothing: 11. dana's 👍 is not the kudos emoji.
    assert "Points: 11" in said and "Kudos received: 1" in said
    assert [row[:2] for row in await ledger_rows(console.platform.hearth, "kudos_void")] == [("bob", -10)]


async def test_kudos_taken_back_leave_the_givers_kudos_given_too(console: ConsoleDriver) -> None:
    """A tester's hand count: alice gave three kudos and one of each way of taking back happened; her card said
    "Kudos given: 3" while each receiver's "Kudos received" had dropped."""
    said = await console.run(
        """
        @admin is admin
        @bob: here is how to fix the build
        @carol: and here is the test
        @dave: spam for kudos
        @alice reacts 🙌 to @bob
        @alice reacts 🙌 to @carol
        @alice reacts 🙌 to @dave
        @alice: /kudos @erin thanks for the review
        @alice removes 🙌 from @bob
        @dave deletes last message
        @erin: /rank @alice
        """
    )
    assert "Kudos given: 2" in said  # carol's and erin's stand
    assert "kudos #7" in said  # erin's
    said = await console.run("@admin: /recognition void 7 not a real review\n@erin: /rank @alice")
    assert "Kudos given: 1" in said
    said = await console.run("@admin: /recognition void 7 again\n@erin: /rank @alice")
    assert "void already" in said and "Kudos given: 1" in said
    assert [row[:2] for row in await ledger_rows(console.platform.hearth, "kudos_given_void")] == [
        ("alice", 0),
        ("alice", 0),
        ("alice", 0),
    ]


async def test_removal_after_the_grace_period_leaves_the_kudos(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @bob: a long answer
        @alice reacts 🙌 to @bob
        wait 11m
        @alice removes 🙌 from @bob
        @erin: /rank @bob
        """
    )
    assert "Points: 11" in said and "Kudos received: 1" in said


async def test_own_messages_count_for_nothing(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @bob: my own great message
        @bob reacts 🙌 to @bob
        @erin: /rank @bob
        """
    )
    assert "Points: 1" in said and "Kudos received: 0" in said


async def test_a_deleted_message_voids_its_kudos_and_its_activity_point(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @bob: an earlier message
        wait 2m
        @bob: spam for kudos
        @alice reacts 🙌 to @bob
        @carol reacts 🙌 to @bob
        @bob deletes last message
        @alice reacts 🙌 to @bob
        @erin: /rank @bob
        @erin: /leaderboard week kudos
        """
    )
    # The deleted message's 2 kudos and its point are void; alice's 🙌 then lands on the earlier message.
    assert "Points: 11" in said and "Kudos received: 1" in said
    assert "🥇 bob — 10 points" in said


async def test_reaction_over_the_allowance_is_explained_privately(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @admin is admin
        @admin: /config set kudos_daily_limit 1
        @bob: first
        @carol: second
        @alice reacts 🙌 to @bob
        @alice reacts 🙌 to @carol
        """
    )
    # tester3 #10: not "all 1 of your kudos".
    assert "[dm @alice] Your 🙌 gave no kudos: You've given your only kudos for today." in said


async def test_near_duplicate_messages_earn_nothing(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @bob: Anyone up for a game tonight?
        wait 2m
        @bob: anyone up for a game tonight???
        wait 2m
        @bob: Anyone up for a game  tonite?
        wait 2m
        @bob: ok
        wait 2m
        @bob: The release notes are out
        @erin: /rank @bob
        """
    )
    # The first, "ok" and the release notes earn a point each; the two near-repeats nothing.
    assert "Points: 3" in said


async def test_a_repeated_emoji_and_a_stretched_word_earn_nothing_again(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @bob: 👍
        wait 2m
        @bob: 👍
        wait 2m
        @bob: yes
        wait 2m
        @bob: yesss
        wait 2m
        @bob: 🎉
        @erin: /rank @bob
        """
    )
    # The first 👍, "yes" and 🎉 earn a point each; the second 👍 and "yesss" repeat them.
    assert "Points: 3" in said


async def test_a_message_within_the_cooldown_still_counts_as_one_to_repeat(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @bob: Good morning everyone
        wait 10s
        @bob: Who has the notes from yesterday's call?
        wait 2m
        @bob: who has the notes from yesterdays call??
        wait 2m
        @bob: Found them, thanks
        @erin: /rank @bob
        """
    )
    # The second message earned nothing (the cooldown) but is remembered: its repeat earns nothing either.
    assert "Points: 2" in said


async def test_pair_cooldown_and_membership_age_each_say_which_limit_and_when(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @admin is admin
        @admin: /config set kudos_pair_cooldown 1h
        @admin: /config set kudos_min_member_age 2d
        @newbie joins
        @newbie: /kudos @bob thanks
        wait 2d
        @newbie: /kudos @bob thanks
        wait 20m
        @newbie: /kudos @bob thanks again
        @newbie: /kudos @carol thanks
        wait 40m
        @newbie: /kudos @bob thanks again
        @erin: /rank @bob
        """
    )
    assert (
        "[only @newbie] New members can give kudos once they have been here 2 days (kudos_min_member_age): "
        "you can in 2 days." in said
    )
    assert (
        "[only @newbie] You thanked bob less than 1 hour ago (kudos_pair_cooldown): you can thank them again in "
        "40 minutes. You have 4 kudos left today." in said
    )
    # Given: the first after 2 days, carol, and bob again an hour after the first.
    assert "Kudos received: 2" in said


async def test_a_limit_refused_with_no_kudos_left_says_so_in_words(console: ConsoleDriver) -> None:
    """It read "You have 0 kudos left today.", where the kudos message says "can give no more kudos today"."""
    said = await console.run(
        """
        @admin is admin
        @admin: /config set kudos_pair_cooldown 1h
        @admin: /config set kudos_daily_limit 1
        @alice: /kudos @bob thanks
        @alice: /kudos @bob thanks again
        """
    )
    assert "you can thank them again in 1 hour. You have no kudos left today." in said


async def test_adjust_void_and_lock_are_audited_and_change_totals(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @admin is admin
        @alice: /kudos @bob thanks
        @admin: /points adjust @bob 50 "migrated from the old bot"
        @admin: /points adjust @carol -5 spam
        @admin: /recognition lock @alice ring with dave
        @alice: /kudos @carol thanks
        @admin: /recognition unlock @alice
        @admin: /recognition audit
        @erin: /rank @bob
        """
    )
    kudos_id = int(said.split("kudos #")[1].split()[0])
    said += await console.run(
        f"""
        @admin: /recognition void {kudos_id} mistaken
        @admin: /recognition void {kudos_id} again
        @admin: /recognition void 999999 nothing
        @admin: /recognition audit @bob
        @erin: /rank @bob
        """
    )
    assert "[only @admin] +50 points for bob (migrated from the old bot)" in said
    assert "[only @alice] A moderator has paused your kudos giving" in said
    assert "giving locked for alice by admin — ring with dave" in said
    assert "adjusted carol -5 by admin — spam" in said
    assert "Points: 60" in said  # 10 kudos + 50 before the void
    assert f"[only @admin] Kudos #{kudos_id} to bob are void (mistaken)." in said
    assert f"[only @admin] Kudos #{kudos_id} are void already." in said
    assert "[only @admin] There are no kudos #999999 in this community." in said
    assert "voided for bob -10 by admin — mistaken" in said
    assert said.rstrip().split("bob's standing")[-1].count("Points: 50") == 1


async def test_kudos_emoji_takes_one_emoji_and_refuses_anything_else(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @root is admin
        @root: /config set kudos_emoji thanks
        @root: /config set kudos_emoji 🙌🙌
        @root: /config show
        @root: /config set kudos_emoji 👍🏽
        @bob: a helpful answer
        @alice reacts 👍🏽 to @bob
        @erin: /rank @bob
        """
    )
    refusal = "is not a valid value for `kudos_emoji`: give one emoji: 🙌, a Discord server emoji (`<:name:id>`)"
    assert f"[only @root] `thanks` {refusal}" in said and f"[only @root] `🙌🙌` {refusal}" in said
    assert "kudos_emoji: 🙌" in said  # the refusals changed nothing
    assert "Points: 11" in said and "Kudos received: 1" in said
    # Discord's own emoji, Slack's names (as before, also without colons) are taken.
    for emoji in ("<:thanks:123456789012345678>", ":partyparrot:", "raised_hands", "🇵🇹", "👩‍💻"):
        said = await console.run(f"@root: /config set kudos_emoji {emoji}")
        assert "is not a valid value" not in said, emoji


async def test_a_toned_kudos_emoji_counts_in_its_tone_only_and_an_untoned_one_in_every_tone(
    console: ConsoleDriver,
) -> None:
    """A community that chose 👍🏽 got kudos from 👍, 👍🏻 and every other tone too. Chosen toned, only that tone
    counts; chosen untoned, every tone does (members' clients add their own)."""
    said = await console.run(
        """
        @root is admin
        @root: /config set kudos_emoji 👍🏽
        @bob: a helpful answer
        @alice reacts 👍🏻 to @bob
        @carol reacts 👍 to @bob
        @erin: /rank @bob
        """
    )
    assert "Kudos received: 0" in said
    said = await console.run("@dana reacts 👍🏽 to @bob\n@erin: /rank @bob")
    assert "Kudos received: 1" in said
    said = await console.run("@root: /config set kudos_emoji 👍\n@frank reacts 👍🏿 to @bob\n@erin: /rank @bob")
    assert "Kudos received: 2" in said


@pytest.mark.parametrize(
    ("reaction", "configured", "counts"),
    [
        ("raised_hands::skin-tone-4", "🙌", True),  # Slack's tone, an untoned choice
        ("+1::skin-tone-4", "👍🏽", True),  # Slack's skin-tone-4 is 🏽
        ("+1::skin-tone-2", "👍🏽", False),
        ("+1", ":+1::skin-tone-4:", False),
        ("👍🏽", ":+1::skin-tone-4:", True),
        ("🧑🏿\u200d🤝\u200d🧑🏻", "🧑🏻\u200d🤝\u200d🧑🏿", False),  # each person's tone, in order
        ("🧑🏿\u200d🤝\u200d🧑🏻", "🧑\u200d🤝\u200d🧑", True),
    ],
)
def test_skin_tones_read_alike_on_slack_and_in_unicode(reaction: str, configured: str, counts: bool) -> None:
    assert same_emoji(reaction, configured) is counts


def test_a_kudos_emoji_stored_by_an_older_version_stays_readable() -> None:
    catalog = SettingsCatalog()
    catalog.add(RecognitionSettings)
    stored = catalog.decode({"kudos_emoji": "thanks", "kudos_points": "7"})
    assert (stored.value("kudos_emoji"), stored.value("kudos_points")) == ("thanks", 7)


async def test_a_reaction_taken_back_within_the_grace_costs_no_allowance_and_starts_no_cooldown(
    console: ConsoleDriver,
) -> None:
    """Until 2026-12-01 an unreact within seconds still used one of the day's kudos and started the pair cooldown:
    alice's /kudos to bob was refused "You thanked bob less than 1 day ago" (a tester's finding)."""
    said = await console.run(
        """
        @admin is admin
        @admin: /config set kudos_pair_cooldown 1d
        @admin: /config set kudos_daily_limit 1
        @bob: here is how to fix the build
        @alice reacts 🙌 to @bob
        @alice removes 🙌 from @bob
        @alice: /kudos @bob thanks for the fix
        """
    )
    assert "less than 1 day ago" not in said and "You've given" not in said
    assert "@bob received kudos from @alice" in said


async def test_kudos_a_moderator_voided_still_count_against_the_allowance(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @admin is admin
        @admin: /config set kudos_daily_limit 1
        @alice: /kudos @bob thanks
        @admin: /recognition void 1 kudos for a friend
        @alice: /kudos @carol thanks
        """
    )
    assert "Kudos #1 to bob are void (kudos for a friend)." in said
    assert "You've given your only kudos for today." in said
