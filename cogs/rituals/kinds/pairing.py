"""Pairs (a trio when the count is odd) of opted-in members, introduced privately; "did you meet?" when
the window ends, and points for those who say yes."""

from __future__ import annotations

import logging
import random

from bot.core.messenger import PlatformError
from bot.core.reply import Button, ButtonStyle, Card, Reply, mention
from cogs.rituals.kinds.base import Firing, Posted, RitualKind
from cogs.rituals.rules import PAIRING_MEMORY, make_groups
from storage import rituals as store
from storage.rituals import RitualRow

log = logging.getLogger(__name__)


class PairingKind(RitualKind):
    name = "pairing"

    async def post(self, firing: Firing) -> Posted:
        ritual = firing.ritual
        async with self.services.db.read() as session:
            members = await store.opted_in(session, ritual.id)
            previous = await store.posted_runs(session, ritual.id, PAIRING_MEMORY)
            recent = await store.groups_of(session, [run.id for run in previous])
        rng = random.Random(f"{ritual.id}:{firing.scheduled_for.isoformat()}")
        groups = make_groups(members, [g for run in recent.values() for g in run.values()], rng)
        if not groups:
            text = (
                f"☕ Not enough members have joined **{ritual.name}** for a pairing this time. "
                f"Join with `/ritual join {ritual.name}`!"
            )
            return Posted(
                await self.services.messenger.send(firing.channel, Reply(text=text)), note="not enough members"
            )
        async with self.services.db.write() as session:
            await store.save_groups(session, firing.run_id, groups)
        refs = await self.places.members(ritual.community_id, members)
        lines = [" & ".join(mention(refs[member]) for member in group) for group in groups]
        card = Card(
            title=f"☕ {ritual.name}: this round's pairs",
            description="\n".join(lines),
            footer=f"Join with /ritual join {ritual.name} · leave with /ritual leave {ritual.name}",
        )
        message_id = await self.services.messenger.send(firing.channel, Reply(card=card))
        for group in groups:
            together = ", ".join(mention(refs[member]) for member in group)
            text = f"👋 {together}: you're paired for **{ritual.name}** this round! {firing.prompt}".rstrip()
            try:
                await self.services.messenger.send_group([refs[member] for member in group], Reply(text=text))
            except PlatformError as error:
                log.warning("ritual %s: could not introduce group %s: %s", ritual.id, group, error.reason)
        return Posted(message_id, needs_close=True)

    async def close(self, ritual: RitualRow, run_id: int, taken: int) -> None:
        """Ask each group whether they met (the buttons award the ritual's points). Only those still in the
        ritual are asked: who left the community or `/ritual leave`s since the pairing is not (README: a member
        who leaves is not paired). One left alone is told there is nothing to answer; an emptied group, skipped."""
        async with self.services.db.read() as session:
            groups = (await store.groups_of(session, [run_id])).get(run_id, {})
            staying = set(await store.opted_in(session, ritual.id))
        asked = {number: [m for m in group if m in staying] for number, group in groups.items()}
        asked = {number: group for number, group in asked.items() if group}
        if not asked:
            return
        refs = await self.places.members(ritual.community_id, [m for group in asked.values() for m in group])
        for number, group in asked.items():
            if len(group) == 1:
                reply = Reply(
                    text=f"The others in your group for **{ritual.name}** are no longer taking part this round, so "
                    "there is nothing to answer. You'll be paired again next round!"
                )
            else:
                reply = Reply(
                    text=f"Did you meet for **{ritual.name}**?",
                    buttons=(
                        Button("Yes, we met", f"ritual:met:{run_id}:{number}", ButtonStyle.SUCCESS),
                        Button("Not this time", f"ritual:skip:{run_id}:{number}"),
                    ),
                )
            try:
                await self.services.messenger.send_group([refs[member] for member in group], reply)
            except PlatformError as error:
                log.warning("ritual %s: no follow-up for group %s: %s", ritual.id, group, error.reason)
