"""A prompt in the channel: replies there within the window take part; a recap when it ends."""

from __future__ import annotations

from bot.core.reply import Reply, mention
from bot.core.wording import plural
from cogs.rituals.kinds.base import Firing, Posted, RitualKind, prompt_card, reward, window_text
from storage import rituals as store
from storage.rituals import RitualRow


class PromptKind(RitualKind):
    name = "prompt"

    async def post(self, firing: Firing) -> Posted:
        ritual = firing.ritual
        footer = f"Reply in this channel within {window_text(ritual)} to take part{reward(ritual)}"
        message_id = await self.services.messenger.send(firing.channel, prompt_card(ritual, firing.prompt, footer))
        return Posted(message_id, needs_close=ritual.recap)

    async def close(self, ritual: RitualRow, run_id: int, taken: int) -> None:
        # A recap of nobody is noise (it was half of all output in a quiet community): such a run ends quietly,
        # without reading who took part.
        if ritual.recap and taken:
            await self._recap(ritual, run_id)

    async def _recap(self, ritual: RitualRow, run_id: int) -> None:
        async with self.services.db.read() as session:
            taken = (await store.participants(session, [run_id])).get(run_id, set())
            milestones = await store.milestones_in_run(session, run_id)
            # Who is hidden from boards (`/privacy`) is counted, not named: told their milestone alone.
            shown = await store.on_boards(session, [member for member, _ in milestones])
            milestones = [(member, milestone) for member, milestone in milestones if member in shown]
        count = len(taken)
        text = f"📋 **{ritual.name}** recap: {plural(count, 'member')} took part."
        if milestones:
            refs = await self.places.members(ritual.community_id, [member for member, _ in milestones])
            text += (
                " New streak milestones: "
                + ", ".join(f"{mention(refs[member])} ({milestone} in a row)" for member, milestone in milestones)
                + "."
            )
        await self.services.messenger.send(await self.places.channel(ritual), Reply(text=text))
