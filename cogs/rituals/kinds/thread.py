"""A prompt that opens a thread: replies in the thread take part; the same recap as a prompt."""

from __future__ import annotations

from cogs.rituals.kinds.base import Firing, Posted, prompt_card, reward, window_text
from cogs.rituals.kinds.prompt import PromptKind


class ThreadKind(PromptKind):
    name = "thread"

    async def post(self, firing: Firing) -> Posted:
        ritual = firing.ritual
        footer = f"Reply in the thread within {window_text(ritual)} to take part{reward(ritual)}"
        message_id = await self.services.messenger.send(firing.channel, prompt_card(ritual, firing.prompt, footer))
        thread = await self.services.messenger.start_thread(
            firing.channel, message_id, f"{ritual.name} — {firing.local:%Y-%m-%d}"
        )
        return Posted(message_id, thread.thread_id, needs_close=ritual.recap)
