"""Recognition rules through the runtime, on a real database."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select
from sqlmodel import col

from bot.core.refs import CommunityRef, MemberRef, Permission
from bot.core.runtime import Hearth
from storage.models import Contribution

COMMUNITY = CommunityRef("test", "c1", "Test")


def ref(name: str, is_bot: bool = False) -> MemberRef:
    return MemberRef(COMMUNITY, name, name, is_bot)


async def kudos(hearth: Hearth, giver: str, receiver: MemberRef, invocation: str, reason: str = "thanks") -> str:
    ctx = await hearth.context(ref(giver), None, Permission.MEMBER, invocation)
    reply = await hearth.run_command(ctx, "kudos", {"member": receiver, "reason": reason})
    return reply.text if not reply.card else f"{reply.text} {reply.card.footer}"


async def given(hearth: Hearth) -> int:
    async with hearth.db.read() as session:
        query = select(func.count()).select_from(Contribution).where(col(Contribution.kind) == "kudos_given")
        return int((await session.execute(query)).scalar_one())


async def test_concurrent_kudos_never_exceed_the_daily_allowance(hearth: Hearth) -> None:
    replies = await asyncio.gather(*(kudos(hearth, "alice", ref(f"m{n}"), f"i{n}") for n in range(8)))
    refused = [text for text in replies if "You've given all 5" in text]
    assert (len(refused), await given(hearth)) == (3, 5)


async def test_bots_cannot_receive_kudos(hearth: Hearth) -> None:
    text = await kudos(hearth, "alice", ref("helperbot", is_bot=True), "i1")
    assert "Bots don't collect kudos" in text
    assert await given(hearth) == 0


async def test_a_bots_rank_says_bots_collect_no_points(hearth: Hearth) -> None:
    """`/rank @helper` showed a bot's standing at 0 points, as if bots took part (a tester's finding)."""
    ctx = await hearth.context(ref("alice"), None, Permission.MEMBER, "i1")
    reply = await hearth.run_command(ctx, "rank", {"member": ref("helperbot", is_bot=True)})
    assert reply.ephemeral and reply.text.endswith(" is a bot: bots don't collect points, so they have no rank.")
    assert reply.card is None


async def test_an_admin_cannot_put_a_bot_on_the_boards_with_an_adjustment(hearth: Hearth) -> None:
    ctx = await hearth.context(ref("admin"), None, Permission.ADMIN, "i1")
    reply = await hearth.run_command(
        ctx, "points adjust", {"member": ref("helperbot", is_bot=True), "amount": 50, "reason": "test"}
    )
    assert reply.text == "Bots don't collect points, so there is nothing to adjust: boards rank people."
    async with hearth.db.read() as session:
        assert (await session.execute(select(func.count()).select_from(Contribution))).scalar_one() == 0


async def test_a_retried_command_awards_once(hearth: Hearth) -> None:
    first = await kudos(hearth, "alice", ref("bob"), "interaction-7")
    again = await kudos(hearth, "alice", ref("bob"), "interaction-7")
    assert "+10 points for bob" in first
    assert "That request was already handled." in again  # the core claims the invocation id first
    assert await given(hearth) == 1


async def test_user_text_cannot_forge_a_mention(hearth: Hearth) -> None:
    ctx = await hearth.context(ref("alice"), None, Permission.MEMBER, "i1")
    reply = await hearth.run_command(ctx, "kudos", {"member": ref("bob"), "reason": "hi \x1fmU999\x1eceo\x1f"})
    assert reply.card is not None
    assert "\x1f" not in reply.card.fields[0].value


async def test_a_retry_of_the_last_allowed_kudos_is_not_refused(hearth: Hearth) -> None:
    for n in range(5):
        await kudos(hearth, "alice", ref(f"m{n}"), f"i{n}")
    again = await kudos(hearth, "alice", ref("m4"), "i4")
    over = await kudos(hearth, "alice", ref("m5"), "i5")
    assert "That request was already handled." in again  # the core claims the invocation id first
    assert "You've given all 5" in over
    assert await given(hearth) == 5
