"""The daily kudos allowance holds when one member's kudos arrive at the same moment, and through `/mydata delete`."""

from __future__ import annotations

import asyncio

from bot.core.refs import Permission
from bot.core.runtime import Hearth
from bot.platforms.console import channel_ref, member_ref
from tests.conftest import ConsoleDriver


async def test_simultaneous_kudos_from_one_member_stop_at_the_allowance(hearth: Hearth) -> None:
    alice, general = member_ref("alice"), channel_ref("general")
    receivers = [member_ref(f"friend{number}") for number in range(8)]
    contexts = [await hearth.context(alice, general, Permission.MEMBER, f"kudos-{number}") for number in range(8)]

    replies = await asyncio.gather(
        *(
            hearth.run_command(context, "kudos", {"member": receiver, "reason": "thanks"})
            for context, receiver in zip(contexts, receivers, strict=True)
        )
    )

    assert sum(not reply.ephemeral for reply in replies) == 5  # kudos_daily_limit
    refusals = [reply.text for reply in replies if reply.ephemeral]
    assert len(refusals) == 3
    assert all("You've given all 5 of your kudos for today" in text for text in refusals)
    alice_rank = await hearth.run_command(contexts[0], "rank", {})
    assert alice_rank.card is not None
    assert [field.value for field in alice_rank.card.fields if field.name == "Kudos given"] == ["5"]


async def test_deleting_ones_data_gives_no_fresh_allowance(console: ConsoleDriver) -> None:
    """tester-a2: kudos given stay with their receivers without the giver's name, so after `/mydata delete` the
    giver had used none of the day's allowance: deleting again and again, one account gave any number of kudos a
    day. What was used today holds; tomorrow is a new day."""
    said = await console.run(
        """
        @mallory: /kudos @bob one @carol @dana
        @mallory: /mydata delete
        @mallory clicks "Delete my data"
        @mallory: /kudos @bob two @carol @dana
        @mallory: /kudos @bob three @carol
        @mallory: /mydata delete
        @mallory clicks "Delete my data"
        @mallory: /kudos @bob four
        wait 1d
        @mallory: /kudos @bob five
        """
    )
    assert "You have 2 kudos left today, not enough for 3 members: thank fewer at once." in said
    assert "mallory can give no more kudos today" in said  # the second deletion's: three and two make five
    _, _, tomorrow = said.partition("You've given all 5 of your kudos for today.")
    assert "For: four" not in said
    assert "For: five" in tomorrow and "mallory can give 4 more kudos today" in tomorrow
