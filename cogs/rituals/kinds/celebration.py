"""Birthdays members shared and join anniversaries, on their day in the ritual's time zone."""

from __future__ import annotations

from calendar import isleap

from bot.core.reply import Card, Reply, mention
from bot.core.wording import plural
from cogs.rituals.kinds.base import Firing, Posted, RitualKind
from storage import rituals as store
from storage.health import join_day


class CelebrationKind(RitualKind):
    name = "celebration"
    asks_to_take_part = False

    async def post(self, firing: Firing) -> Posted:
        ritual, today = firing.ritual, firing.local.date()
        days = [(today.month, today.day)]
        if (today.month, today.day) == (2, 28) and not isleap(today.year):
            days.append((2, 29))  # Feb 29 birthdays and anniversaries are celebrated on Feb 28
        async with self.services.db.read() as session:
            birthdays = await store.birthdays_on(session, ritual.community_id, days)
            joined = await store.join_dates(session, ritual.community_id)
        anniversaries: list[tuple[int, int]] = []
        for member_id, moment in joined:
            local = join_day(moment, ritual.timezone)
            if (local.month, local.day) in days and today.year > local.year:
                anniversaries.append((member_id, today.year - local.year))
        if not birthdays and not anniversaries:
            return Posted(None, note="nothing to celebrate")
        refs = await self.places.members(ritual.community_id, birthdays + [member for member, _ in anniversaries])
        lines = [f"🎂 Happy birthday, {mention(refs[member])}!" for member in birthdays]
        lines += [
            f"🎉 {mention(refs[member])} joined us {plural(years, 'year')} ago today — happy anniversary!"
            for member, years in anniversaries
        ]
        prompt = firing.prompt
        card = Card(title=f"🎉 {ritual.name}", description="\n".join([*([prompt, ""] if prompt else []), *lines]))
        return Posted(await self.services.messenger.send(firing.channel, Reply(card=card)))
