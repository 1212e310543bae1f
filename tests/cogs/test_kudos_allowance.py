"""The daily kudos allowance holds when one member's kudos arrive at the same moment."""

from __future__ import annotations

import asyncio

from bot.core.refs import Permission
from bot.core.runtime import Hearth
from bot.platforms.console import channel_ref, member_ref


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
