"""The inbound pipeline: what a person did on a platform, answered and delivered the same way everywhere.

A platform translates its native payload into an `Invocation` (who, where, at what level, the delivery
id) plus what was done (command text, a structured command, a click, a form), and hands over an
`Outbox`: the few ways it can answer that person there. Everything else is decided here, once:

- command text to a command: the command or group name, the verb of a group (else its usage list),
  the options (`bot.core.arguments`), one "unknown command" text;
- the Context, the permission check and the handler (`Hearth.run_command`, `click`, `submit`);
- delivery and its fallbacks (`deliver`):
  - a form opens as a modal; when the platform can no longer open one (Discord after a deferral, Slack
    without a trigger) the person is told privately to try again;
  - `Reply.dm`: the reply goes to the person's direct messages and they get a private "I've sent you a
    direct message."; with their DMs closed, the reply is shown to them privately where they acted; when the
    platform refuses its files there too (too large), without them, saying why;
  - a private reply the platform cannot show there (Slack: the member is not in that channel, or there
    is no channel) goes to their direct messages;
  - a public post that fails (Hearth may not post there) is shown to the person privately, with why.

`notify_member` is the same DM-or-channel fallback for messages a cog sends on its own initiative.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol

from bot.core.arguments import Resolver, parse_arguments, understood, usage
from bot.core.commands import CommandSpec
from bot.core.events import ComponentClicked, FormSubmitted
from bot.core.failures import log_failure
from bot.core.messenger import Messenger, PlatformError
from bot.core.refs import ChannelRef, MemberRef, Permission
from bot.core.reply import Form, Reply, UserError, mention

if TYPE_CHECKING:
    from bot.core.runtime import Hearth

log = logging.getLogger(__name__)

SORRY = "Sorry, something went wrong on my side and nothing was changed. Please try again in a moment."
UNKNOWN_COMMAND = "I don't know the command `/{name}`. Try `/help`."
DM_SENT = "I've sent you a direct message."
DMS_CLOSED_NOTE = "\n\n*(Your direct messages are closed, so here it is.)*"
DM_FAILED_NOTE = "\n\n*(I couldn't send you a direct message just now, so here it is.)*"
FILE_REFUSED_NOTE = "\n\n*(I couldn't send you the file: {reason})*"
FORM_TOO_LATE = "That took me too long to open the form. Please try again."
FORM_FAILED = "I couldn't open the form: {reason}"
NOT_POSTED_NOTE = "\n\n*(I couldn't post this in the channel: {reason})*"
DM_FALLBACK_LEAD = "I couldn't send you a direct message, so here it is."
_FIRST_WORD = re.compile(r"\s*(\S*)\s*(.*)", re.DOTALL)

# Platform-specific finishing of parsed options (Slack: a mentioned member's name from users.info).
Refine = Callable[[dict[str, object]], Awaitable[dict[str, object]]]
# The platform's markup in a refusal that shows back words of the line, as the text the person saw when typing it
# (Slack: `<@U1|bob>` as `@bob`); Hearth's own wording holds no markup, so the whole refusal goes through it.
Typed = Callable[[str], str]


def _as_typed(text: str) -> str:
    return text


@dataclass(frozen=True)
class Invocation:
    """Who acted, where (None: no channel of the community, e.g. a DM), at which level, and the platform's
    id for this delivery (an interaction id, a Slack trigger id): the idempotency key of what it awards."""

    author: MemberRef
    channel: ChannelRef | None
    level: Permission
    invocation_id: str


class Outbox(Protocol):
    """How a platform answers the person who acted, where they acted. Each raises PlatformError when it
    cannot; the pipeline then falls back (see the module docstring)."""

    async def modal(self, form: Form) -> bool:
        """Open the form for the person; False when the platform can no longer open one now."""
        ...

    async def ephemeral(self, reply: Reply) -> None:
        """Show the reply to the person only."""
        ...

    async def public(self, reply: Reply) -> None:
        """Post the reply where the person acted, for everyone there."""
        ...

    async def quiet(self) -> None:
        """There is nothing to say (a click that changed nothing visible): acknowledge, if the platform must."""
        ...


class Inbound:
    def __init__(self, hearth: Hearth) -> None:
        self.hearth = hearth

    @property
    def messenger(self) -> Messenger:
        return self.hearth.services.messenger

    # -- answering ---------------------------------------------------------------------------------
    async def text_command(
        self,
        invocation: Invocation,
        line: str,
        resolve: Resolver,
        refine: Refine | None = None,
        typed: Typed = _as_typed,
    ) -> Reply:
        """`kudos @bob thanks` or `ritual create ...` (the command without its slash, then its text)."""
        return await self._safely(self._text_command(invocation, line, resolve, refine, typed))

    async def _text_command(
        self, invocation: Invocation, line: str, resolve: Resolver, refine: Refine | None, typed: Typed
    ) -> Reply:
        name, rest = _split(line)
        # Platforms hand over the command without its slash; one more (`//kudos` on the console) names no
        # command, as on Discord and Slack, which never deliver it.
        name = name.lower()
        path = name
        group = self.hearth.registry.groups().get(name)
        if group is not None:
            verb, rest = _split(rest)
            path = f"{name} {verb.lower()}"
            if self.hearth.command(path) is None:
                return _verbs(name, group, invocation.level, typed(verb))
        spec = self.hearth.command(path)
        if spec is None:
            return Reply.private(UNKNOWN_COMMAND.format(name=name))
        try:
            parsed = parse_arguments(spec, rest, resolve, group or (), typed)
        except UserError as error:
            return Reply.private(typed(error.message))
        explain = typed(understood(spec, parsed)) if parsed.guessed else None
        options: dict[str, object] = parsed
        if refine is not None:
            options = await refine(options)
        return await self.hearth.run_command(await self._context(invocation), path, options, explain)

    async def command(self, invocation: Invocation, path: str, options: dict[str, Any]) -> Reply:
        """A command whose options the platform delivered already parsed (Discord)."""

        async def run() -> Reply:
            return await self.hearth.run_command(await self._context(invocation), path, options)

        return await self._safely(run())

    async def click(self, invocation: Invocation, event: ComponentClicked) -> Reply | None:
        async def run() -> Reply | None:
            return await self.hearth.click(await self._context(invocation), event)

        return await self._safely(run())

    async def submit(self, invocation: Invocation, event: FormSubmitted) -> Reply | None:
        async def run() -> Reply | None:
            return await self.hearth.submit(await self._context(invocation), event)

        return await self._safely(run())

    async def _context(self, invocation: Invocation) -> Any:
        return await self.hearth.context(
            invocation.author, invocation.channel, invocation.level, invocation.invocation_id
        )

    @staticmethod
    async def _safely(work: Awaitable[Any]) -> Any:
        """Handlers are guarded by the runtime; this catches what fails around them (the database while
        building the Context, a platform lookup), so the person still gets an answer."""
        try:
            return await work
        except Exception:
            log_failure(log, "an inbound request failed")
            return Reply.private(SORRY)

    # -- delivering --------------------------------------------------------------------------------
    async def deliver(self, invocation: Invocation, outbox: Outbox, reply: Reply | None) -> None:
        """Answer the person who acted: a form, a DM, a private reply or a public post (fallbacks above); then the
        posts that follow it (`Reply.then`), each on its own (one refused is logged, and the others still go)."""
        try:
            if reply is None:
                await outbox.quiet()
            elif reply.form is not None:
                await self._form(invocation, outbox, reply.form)
            elif reply.dm:
                await self._direct(invocation, outbox, replace(reply, dm=False))
            elif reply.ephemeral:
                await self._private(invocation, outbox, reply)
            else:
                await self._public(invocation, outbox, reply)
        except PlatformError as error:
            log.warning("could not deliver a reply to %s: %s", invocation.author.external_id, error.reason)
        for channel, post in reply.then if reply is not None else ():
            try:
                await self.messenger.send(channel, post)
            except PlatformError as error:
                log.warning("could not post in %s after a reply: %s", channel.external_id, error.reason)

    async def _form(self, invocation: Invocation, outbox: Outbox, form: Form) -> None:
        try:
            opened = await outbox.modal(form)
        except PlatformError as error:  # the platform failing to open it (Slack down a moment): say so
            log.warning("could not open a form for %s: %s", invocation.author.external_id, error.reason)
            await self._private(invocation, outbox, Reply.private(FORM_FAILED.format(reason=error.reason)))
            return
        if not opened:
            await self._private(invocation, outbox, Reply.private(FORM_TOO_LATE))

    async def _public(self, invocation: Invocation, outbox: Outbox, reply: Reply) -> None:
        try:
            await outbox.public(reply)
        except PlatformError as error:
            log.info("could not post in %s: %s", invocation.channel, error.reason)
            note = NOT_POSTED_NOTE.format(reason=error.reason)
            await self._private(invocation, outbox, replace(reply, text=reply.text + note, ephemeral=True))

    async def _private(self, invocation: Invocation, outbox: Outbox, reply: Reply) -> None:
        try:
            await outbox.ephemeral(reply)
        except PlatformError as error:
            log.info("a private reply to %s went by DM: %s", invocation.author.external_id, error.reason)
            if await self.messenger.send_dm(invocation.author, reply) is None:
                log.warning("could not reach %s privately at all", invocation.author.external_id)

    async def _direct(self, invocation: Invocation, outbox: Outbox, reply: Reply) -> None:
        note = DMS_CLOSED_NOTE
        try:
            if await self.messenger.send_dm(invocation.author, reply) is not None:
                await outbox.ephemeral(Reply.private(DM_SENT))
                return
        except PlatformError as error:  # the platform failing a moment: the answer is not lost with the DM
            log.warning("could not DM %s: %s", invocation.author.external_id, error.reason)
            note = DM_FAILED_NOTE
        try:
            await outbox.ephemeral(replace(reply, text=reply.text + note, ephemeral=True))
        except PlatformError as error:
            if not reply.files:
                raise
            # The platform refuses the files themselves (too large for Discord): the words still come, saying why.
            text = reply.text + FILE_REFUSED_NOTE.format(reason=error.reason)
            await outbox.ephemeral(replace(reply, text=text, files=(), ephemeral=True))


async def notify_member(
    messenger: Messenger,
    member: MemberRef,
    reply: Reply,
    *,
    fallback: ChannelRef | None = None,
    lead: str = DM_FALLBACK_LEAD,
    dm: bool = True,
) -> bool:
    """Message a member on Hearth's own initiative: by DM (unless `dm` is False); when their DMs are closed,
    in `fallback` with a mention and `lead` first (its buttons still work for them). False: not reached."""
    if dm:
        try:
            if await messenger.send_dm(member, reply) is not None:
                return True
        except PlatformError as error:  # the platform failing a moment: as for closed DMs, the fallback
            log.warning("could not DM %s: %s", member.external_id, error.reason)
    if fallback is None:
        log.info("could not reach %s: DMs closed and nowhere else to say it", member.external_id)
        return False
    text = f"{mention(member)}, {lead}" + (f"\n{reply.text}" if reply.text else "")
    await messenger.send(fallback, replace(reply, text=text))
    return True


def _split(text: str) -> tuple[str, str]:
    match = _FIRST_WORD.match(text)
    assert match is not None  # the pattern matches any text
    return match.group(1), match.group(2)


def _verbs(name: str, group: Iterable[CommandSpec], level: Permission, typed: str = "") -> Reply:
    """What a group's name alone answers, or with a verb it does not have (`typed`, named first: `/ritual crate`
    only listed the verbs, as if none was given): the verbs `level` may run, saying who may run the others."""
    verbs = sorted(group, key=lambda spec: spec.name)
    allowed = [spec for spec in verbs if spec.permission <= level]
    if not allowed:  # as run_command refuses one of them: for the least level that may run any
        least = min(spec.permission for spec in verbs)
        return Reply.private(f"Sorry, `/{name}` is for {least.label}s of this community.")
    lines = "\n".join(f"`{usage(spec)}`" for spec in allowed)
    others = sorted({spec.permission for spec in verbs} - {spec.permission for spec in allowed})
    more = f"\n({' and '.join(f'{p.label.capitalize()}s' for p in others)} have more.)" if others else ""
    shown = typed.replace("`", "'")[:40]  # a word as typed, kept from breaking the code span
    lead = f"`/{name}` has no `{shown}`; it needs one of these" if typed else f"`/{name}` needs one of these"
    return Reply.private(f"{lead}:\n{lines}{more}")
