"""The console platform: a full platform for trying Hearth locally and for end-to-end scripts.

One community (`console`); members are named (`@alice`) and created on first mention; channels are
named (`#general`). Every bot message is printed as one block starting with where it went:
`[#channel]`, `[dm @name]` or `[only @name]` (ephemeral).
"""

from __future__ import annotations

import asyncio
import itertools
import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.commands import OptionType
from bot.core.events import (
    CommunityAdded,
    CommunityRemoved,
    ComponentClicked,
    FormSubmitted,
    MemberJoined,
    MemberLeft,
    MembersPresent,
    MessageDeleted,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
)
from bot.core.inbound import Invocation
from bot.core.messenger import Capabilities, PlatformError
from bot.core.refs import ChannelRef, CommunityRef, MemberRef, Permission, RoleRef
from bot.core.reply import Form, Reply, clean_user_text, mentioned_members, render_tokens
from bot.core.runtime import Hearth
from bot.core.scheduling import VirtualScheduler
from bot.platforms.console import CLOCK_UNTIL, CLOCK_YEARS
from bot.platforms.console.script import (
    GROUP_MENTIONS,
    NAME,
    Action,
    Click,
    Delete,
    Join,
    JoinedBefore,
    Leave,
    Pick,
    React,
    ReadOnly,
    Removed,
    Replay,
    ReplyTo,
    Say,
    SayInThread,
    ScriptError,
    SetDms,
    SetGrantable,
    SetLevel,
    Submit,
    Unreact,
    Wait,
    member_name,
    parse_line,
)

COMMUNITY = CommunityRef("console", "console", "Console")
# Where the console writes the files Hearth sends (charts, rank cards, exports), beside the default database.
FILES_DIR = Path("data") / "files"
_MEMBER_TOKEN = re.compile(rf"^@({NAME})$")
_CHANNEL_TOKEN = re.compile(rf"^#({NAME})$")
_ROLE_TOKEN = re.compile(rf"^&({NAME})$")
_LEVELS = {"admin": Permission.ADMIN, "moderator": Permission.MODERATOR, "member": Permission.MEMBER}
# What members do in the community: none of it reaches Hearth while it is removed (as on Discord and Slack,
# which deliver nothing to an app no longer in the workspace or server).
_FROM_THE_COMMUNITY = (
    Say,
    SayInThread,
    ReplyTo,
    Join,
    Leave,
    JoinedBefore,
    React,
    Unreact,
    Delete,
    Click,
    Pick,
    Submit,
    Replay,
)
NOT_PRESENT = "(hearth is not in this community)"


def member_ref(name: str) -> MemberRef:
    """The member `@name` (case aside: `@Alice` is `alice`, as Discord usernames are)."""
    name = member_name(name)
    return MemberRef(COMMUNITY, name, name)


def channel_ref(name: str, thread_id: str | None = None) -> ChannelRef:
    return ChannelRef(COMMUNITY, name, name, thread_id)


_SEQUENCE = itertools.count(1)


@dataclass
class _Posted:
    """A message in the console's memory: who wrote it, who can see it, what it offers."""

    message_id: str
    channel: str
    author: str | None  # None: the bot
    visible_to: str | None  # None: everyone in the channel
    reply: Reply | None = None
    seq: int = field(default_factory=lambda: next(_SEQUENCE))  # order of posting, kept when others are deleted


@dataclass
class ConsoleState:
    levels: dict[str, Permission] = field(default_factory=dict)
    messages: list[_Posted] = field(default_factory=list)
    forms: dict[str, Form] = field(default_factory=dict)
    closed_dms: set[str] = field(default_factory=set)
    refused: set[str] = field(default_factory=set)  # "&role" / "#channel" the bot may not grant
    threads: list[tuple[str, str]] = field(default_factory=list)  # (channel, message id the thread is under)
    read_only: set[str] = field(default_factory=set)  # channels Hearth may not post in
    seen_members: set[str] = field(default_factory=set)  # for completion in the interactive session
    seen_channels: set[str] = field(default_factory=lambda: {"general"})


def render_plain(reply: Reply, saved: Sequence[Path | str] = ()) -> list[str]:
    """The reply as plain lines (mentions as @name / #name, bold markers dropped); `saved`: where each of its
    files was written, or (text) why it could not be."""

    def text(part: str) -> str:
        # Bold markers are dropped from Hearth's own text; a person's (`literal`) is shown as typed.
        return render_tokens(
            part,
            member=lambda _id, name: f"@{name}",
            channel=lambda _id, name: f"#{name}",
            escape=lambda own: own.replace("**", ""),
            literal=lambda typed: typed,
        )

    lines: list[str] = []
    if reply.text:
        first, *rest = text(reply.text).splitlines() or [""]
        lines += [first, *(f"  {line}" for line in rest)]  # the block's further lines are indented
    if reply.card:
        card = reply.card
        if card.title:
            # A card-only message leads with its title, so the block's first line says what it is.
            lines.append(f"  ┃ {text(card.title)}" if lines else text(card.title))
        lines += [f"  ┃ {line}" for line in text(card.description).splitlines()]
        # A value of several lines (a report's findings) keeps every line inside the card.
        lines += [f"  ┃ {line}" for f in card.fields for line in f"{text(f.name)}: {text(f.value)}".splitlines()]
        if card.footer:
            lines.append(f"  ┃ {text(card.footer)}")
        if card.image:
            lines.append(f"  ┃ [image, {len(card.image)} bytes]")
    for attachment, path in zip(reply.files, saved, strict=True):
        if isinstance(path, Path):
            lines.append(f"  [file {path} ({len(attachment.data):,} bytes)]")
        else:
            lines.append(
                f"  [file {Path(attachment.filename).name} ({len(attachment.data):,} bytes), not written: {path}]"
            )
    if reply.buttons:
        lines.append("  " + " ".join(f"[{text(button.label)}]" for button in reply.buttons))
    if reply.select:
        options = ", ".join(
            f'"{text(option.label)}"' + (" ✓" if option.default else "") for option in reply.select.options
        )
        placeholder = reply.select.placeholder or "choose"
        lines.append(f"  {{{text(placeholder)}: {options} (up to {reply.select.max_values})}}")
    if reply.form:
        lines.append(f'  form "{reply.form.title}":')
        for form_field in reply.form.fields:
            need = "required" if form_field.required else "optional"
            lines.append(f"    {form_field.name} — {form_field.label} ({need}, up to {form_field.max_length})")
    return lines or [""]


class ConsolePlatform:
    """Drives a Hearth runtime from script lines and prints what it says. Also its Messenger."""

    # The console stands in for both platforms, so scripts can exercise every feature.
    capabilities = Capabilities(roles=True, group_dms=True, named_threads=True, files=True, role_sign="&")

    def __init__(
        self,
        hearth: Hearth,
        scheduler: VirtualScheduler,
        write: Callable[[str, list[str]], None],
        files_dir: Path = FILES_DIR,
    ):
        self.hearth = hearth
        self.scheduler = scheduler
        self.files_dir = files_dir
        self.state = ConsoleState()
        # (author, channel, line, delivery id) of the last command, for the script's `replay`.
        self._last_command: tuple[MemberRef, ChannelRef, str, str] | None = None
        # Per member, the first message sequence number their latest command could answer with (see `_click`).
        self._commanded: dict[str, int] = {}
        # A terminal obeys control characters: none reaches it from what people wrote (names, reasons).
        self._write = lambda where, lines: write(clean_user_text(where), [clean_user_text(line) for line in lines])
        hearth.attach(self)

    # -- Messenger ---------------------------------------------------------------------------------
    async def send(self, channel: ChannelRef, reply: Reply) -> str:
        """Post in a channel; in a read-only one it fails as Discord's 403 and Slack's `not_in_channel` do (a
        public answer is then shown privately, a ritual run is recorded as failed)."""
        self.state.seen_channels.add(channel.external_id)
        if channel.external_id in self.state.read_only:
            raise PlatformError(
                f"I may not post in #{channel.name or channel.external_id} (on Discord/Slack Hearth needs View "
                "Channel and Send Messages there, or to be invited)."
            )
        where = f"#{channel.name or channel.external_id}" + (" thread" if channel.thread_id else "")
        return await self._emit(where, channel.external_id, None, reply)

    async def send_group(self, members: Sequence[MemberRef], reply: Reply) -> None:
        names = [member.external_id for member in members]
        self._write("group " + " ".join(f"@{name}" for name in names), render_plain(reply, await self._save(reply)))
        message_id = self._new_id()
        # One message that each of them sees (and may click), like a Slack group DM.
        for name in names:
            self.state.messages.append(_Posted(message_id, f"dm:{name}", None, name, reply))

    async def can_post(self, channel: ChannelRef) -> bool:
        return channel.external_id not in self.state.read_only

    async def join_channel(self, channel: ChannelRef) -> None:
        """Console channels need no joining."""

    async def send_dm(self, member: MemberRef, reply: Reply) -> str | None:
        if member.external_id in self.state.closed_dms:
            return None
        return await self._emit(f"dm @{member.external_id}", f"dm:{member.external_id}", member.external_id, reply)

    async def edit(self, channel: ChannelRef, message_id: str, reply: Reply) -> None:
        for posted in self.state.messages:
            if posted.message_id == message_id:
                posted.reply = reply
        self._write(f"edited in #{channel.name or channel.external_id}", render_plain(reply, await self._save(reply)))

    async def delete(self, channel: ChannelRef, message_id: str) -> None:
        self.state.messages = [posted for posted in self.state.messages if posted.message_id != message_id]
        self._write(f"#{channel.name or channel.external_id}", [f"message {message_id} deleted"])

    async def start_thread(self, channel: ChannelRef, message_id: str, name: str) -> ChannelRef:
        self.state.threads.append((channel.external_id, message_id))
        self._write(f"#{channel.name or channel.external_id}", [f'thread "{name}" started'])
        return ChannelRef(channel.community, channel.external_id, channel.name, thread_id=message_id)

    async def rename_thread(self, thread: ChannelRef, name: str) -> None:
        self._write(f"#{thread.name or thread.external_id}", [f'thread under {thread.thread_id} renamed "{name}"'])

    async def grant_role(self, member: MemberRef, role: RoleRef) -> None:
        self._refuse(f"&{role.name or role.external_id}", "the Manage Roles permission and its own role above it")
        self._write("roles", [f"@{member.external_id} now has the role &{role.name or role.external_id}"])

    async def check_grantable(self, role: RoleRef) -> None:
        # A console role is a name with no permissions: only `bot cannot grant &role` refuses it.
        self._refuse(f"&{role.name or role.external_id}", "the Manage Roles permission and its own role above it")

    async def remove_role(self, member: MemberRef, role: RoleRef) -> None:
        self._refuse(f"&{role.name or role.external_id}", "Manage Roles permission and its own role above it")
        self._write("roles", [f"@{member.external_id} no longer has the role &{role.name or role.external_id}"])

    async def add_to_channel(self, member: MemberRef, channel: ChannelRef) -> None:
        self._refuse(f"#{channel.name or channel.external_id}", "to be a member of the channel")
        self._write("channels", [f"@{member.external_id} joined #{channel.name or channel.external_id}"])

    async def member_level(self, member: MemberRef) -> Permission:
        return self._level(member.external_id)

    def _refuse(self, target: str, need: str) -> None:
        if target in self.state.refused:
            raise PlatformError(f"I'm not allowed to grant {target} (on Discord/Slack Hearth needs {need}).")

    # -- running scripts ---------------------------------------------------------------------------
    async def run_lines(self, lines: Iterable[str]) -> None:
        """Run script lines in order; an unreadable line raises ScriptError before anything after it.

        The first line waits for Hearth's start hooks (attaching started them): a restart's catch-up (a missed
        run posted, a window closed) comes before anything the script does, as on Discord and Slack, whose
        events wait for it too; and a script that ends sooner does not cut the catch-up short."""
        await self.hearth.hooks_done()
        for number, line in enumerate(lines, start=1):
            action = parse_line(line, number)
            if action is not None:
                await self.perform(action, number, line)

    async def perform(self, action: Action, number: int = 0, line: str = "") -> None:
        """Carry out one script action. While Hearth is removed (`hearth is removed`), what members do reaches
        no one: a one-line note `[console] (hearth is not in this community)` is printed instead."""
        if isinstance(action, _FROM_THE_COMMUNITY) and COMMUNITY in self.hearth.services.absent:
            self._write("console", [NOT_PRESENT])
            return
        match action:
            case Say(member, channel, text):
                await self._say(member, channel, text)
            case SayInThread(member, text, channel, about):
                found = self._thread(channel, about)
                if found is None:
                    where = f"in #{channel}" if channel else f"on a message mentioning @{about}"
                    raise ScriptError(number, line, f"Hearth has started no thread {where}")
                await self._say(member, found[0], text, thread_id=found[1])
            case ReplyTo(member, target, text):
                answered = next((m for m in reversed(self.state.messages) if m.author == target), None)
                if answered is None:
                    raise ScriptError(number, line, f"@{target} has not written anything to reply to")
                await self._say(member, answered.channel, text, reply_to=(target, answered.message_id))
            case SetDms(member, is_open):
                (self.state.closed_dms.discard if is_open else self.state.closed_dms.add)(member)
            case SetGrantable(target, allowed):
                (self.state.refused.discard if allowed else self.state.refused.add)(target)
            case Join(member):
                self.state.seen_members.add(member)
                await self.hearth.dispatch(MemberJoined(self._new_id(), member_ref(member)))
            case Leave(member):
                await self.hearth.dispatch(MemberLeft(self._new_id(), member_ref(member)))
            case JoinedBefore(member, since):
                today = self.scheduler.virtual_clock.now().date()
                if since.date() > today:
                    why = f"that join date is after today ({today.isoformat()} on the console's clock)"
                    raise ScriptError(number, line, why)
                await self.hearth.dispatch(MembersPresent(self._new_id(), ((member_ref(member), since),)))
            case Removed(removed):
                kind = CommunityRemoved if removed else CommunityAdded
                await self.hearth.dispatch(kind(self._new_id(), COMMUNITY))
            case React(member, emoji, target):
                await self._react(member, emoji, target, number, line)
            case Unreact(member, emoji, target):
                await self._react(member, emoji, target, number, line, removed=True)
            case Delete(member, author):
                await self._delete(member, author, number, line)
            case SetLevel(member, level):
                self.state.levels[member] = _LEVELS[level]
                await self.hearth.services.identity.member(member_ref(member))
            case Click(member, label):
                await self._click(member, label, number, line)
            case Pick(member, labels):
                await self._pick(member, labels, number, line)
            case Submit(member, values):
                await self._submit(member, values, number, line)
            case Wait(duration):
                if self.scheduler.virtual_clock.now() + duration > CLOCK_UNTIL:
                    why = f"this wait goes past the end of {CLOCK_YEARS[1]}, where the console's clock stops"
                    raise ScriptError(number, line, why)
                await self.scheduler.advance(duration)
            case ReadOnly(channel):
                self.state.read_only.add(channel)
            case Replay():
                if self._last_command is None:
                    raise ScriptError(number, line, "there is no command to replay yet")
                await self._command(*self._last_command)

    # -- actions -------------------------------------------------------------------------------------
    def _thread(self, channel: str | None, about: str | None) -> tuple[str, str] | None:
        """The latest bot thread in a channel, or under a bot message that mentions a member."""
        replies = {posted.message_id: posted.reply for posted in self.state.messages}
        for thread_channel, message_id in reversed(self.state.threads):
            reply = replies.get(message_id)
            if channel is not None and thread_channel == channel:
                return thread_channel, message_id
            if about is not None and reply is not None and about in mentioned_members(reply.all_text()):
                return thread_channel, message_id
        return None

    def known_members(self) -> set[str]:
        """Every member named so far (they exist from their first mention)."""
        return self.state.seen_members | set(self.state.levels)

    def known_channels(self) -> set[str]:
        return set(self.state.seen_channels)

    async def _say(
        self,
        member: str,
        channel: str,
        text: str,
        thread_id: str | None = None,
        reply_to: tuple[str, str] | None = None,
    ) -> None:
        self.state.seen_members.update([member, *map(member_name, re.findall(rf"(?<!\w)@({NAME})", text))])
        self.state.seen_channels.update([channel, *re.findall(rf"(?<!\w)#({NAME})", text)])
        author = member_ref(member)
        where = channel_ref(channel, thread_id)
        message_id = self._new_id()
        if text.startswith("/"):
            # A slash command is not a message (as on Discord and Slack): no reaction or deletion lands on it.
            # `/ kudos` is a slash alone, naming no command (Discord and Slack would not run /kudos for it).
            line = "" if text[1:2].isspace() else text[1:]
            await self._command(author, where, line, message_id)
            return
        self.state.messages.append(_Posted(message_id, channel, member, None))
        mentions = tuple(member_ref(name) for name in re.findall(rf"(?<!\w)@({NAME})", text))
        answered, answered_id = (member_ref(reply_to[0]), reply_to[1]) if reply_to else (None, None)
        await self.hearth.dispatch(
            MessagePosted(message_id, author, where, message_id, text, thread_id, mentions, answered, answered_id)
        )

    async def _command(self, author: MemberRef, channel: ChannelRef, line: str, invocation_id: str) -> None:
        self._last_command = (author, channel, line, invocation_id)
        self._commanded[author.external_id] = next(_SEQUENCE)
        invocation = Invocation(author, channel, self._level(author.external_id), invocation_id)
        reply = await self.hearth.inbound.text_command(invocation, line, self._resolve)
        await self.hearth.inbound.deliver(invocation, _Outbox(self, invocation), reply)

    async def _react(
        self, member: str, emoji: str, target: str, number: int, line: str, *, removed: bool = False
    ) -> None:
        posted = next((m for m in reversed(self.state.messages) if m.author == target), None)
        if posted is None:
            raise ScriptError(number, line, f"@{target} has not written anything to react to")
        kind = "reaction_removed" if removed else "reaction_added"
        event = (ReactionRemoved if removed else ReactionAdded)(
            f"{kind}:{posted.channel}:{posted.message_id}:{member}:{emoji}",  # as Discord's and Slack's: stable
            member_ref(member),
            channel_ref(posted.channel),
            posted.message_id,
            emoji,
            member_ref(target),
        )
        await self.hearth.dispatch(event)

    async def _delete(self, member: str, author: str, number: int, line: str) -> None:
        """`member` deletes `author`'s latest message: it is gone from the console's memory (a later
        reaction lands on the one before), and Hearth hears MessageDeleted as from a platform."""
        posted = next((m for m in reversed(self.state.messages) if m.author == author), None)
        if posted is None:
            raise ScriptError(number, line, f"@{author} has not written anything to delete")
        self.state.messages.remove(posted)
        event = MessageDeleted(self._new_id(), channel_ref(posted.channel), posted.message_id, member_ref(author))
        await self.hearth.dispatch(event)

    async def _click(self, member: str, label: str, number: int, line: str) -> None:
        """Press the button labelled `label` on the latest bot message with buttons that `member` can see, among
        those since her own latest command: a command's answer is what she is looking at, so a button on a message
        from before it (an older board) is not reached for, nor one above a newer message with other buttons (a
        board's previous page). A message without buttons (a note, an error) hides nothing. When the message has
        no such button, nothing is pressed: a private note says so and the script goes on."""
        since = self._commanded.get(member, 0)
        since_command = " since your last command" if member in self._commanded else ""
        note = f'No message you can see{since_command} has a "{label}" button, so nothing was pressed.'
        for posted in self._visible(member):
            if posted.seq < since:
                break
            if not (posted.reply and posted.reply.buttons):
                continue
            button = next((b for b in posted.reply.buttons if b.label == label), None)
            if button is not None:
                event = ComponentClicked(
                    self._new_id(),
                    member_ref(member),
                    channel_ref(posted.channel),
                    button.action_id,
                    (),
                    posted.message_id,
                )
                await self._interact(member, posted.channel, event)
                return
            note = f'The latest message with buttons you can see has no "{label}" button, so nothing was pressed.'
            break
        await self._emit(f"only @{member}", "general", member, Reply.private(note))

    async def _pick(self, member: str, labels: tuple[str, ...], number: int, line: str) -> None:
        """Choose options in the latest select menu `member` can see since her own latest command (as `_click`
        finds a button); with no such menu nothing is picked, a private note says so and the script goes on."""
        since = self._commanded.get(member, 0)
        for posted in self._visible(member):
            if posted.seq < since:
                break
            if posted.reply and posted.reply.select:
                select = posted.reply.select
                by_label = {option.label: option.value for option in select.options}
                unknown = [label for label in labels if label not in by_label]
                if unknown:
                    raise ScriptError(number, line, f'the menu has no option "{unknown[0]}"')
                event = ComponentClicked(
                    self._new_id(),
                    member_ref(member),
                    channel_ref(posted.channel),
                    select.action_id,
                    tuple(by_label[label] for label in labels),
                    posted.message_id,
                )
                await self._interact(member, posted.channel, event)
                return
        since_command = " since your last command" if member in self._commanded else ""
        note = f"No message you can see{since_command} has a menu, so nothing was picked."
        await self._emit(f"only @{member}", "general", member, Reply.private(note))

    async def _submit(self, member: str, values: dict[str, str], number: int, line: str) -> None:
        form = self.state.forms.get(member)
        if form is None:
            raise ScriptError(number, line, f"no form is open for @{member}")
        known = [form_field.name for form_field in form.fields]
        unknown = sorted(set(values) - set(known))
        if unknown:
            # Bad input, like any other: refused politely, the form stays open and the script goes on.
            fields = ", ".join(known)
            refusal = f'The form "{form.title}" has no field `{unknown[0]}`; its fields are {fields}.'
            await self._emit(f"only @{member}", "general", member, Reply.private(refusal))
            return
        del self.state.forms[member]
        # Like a prefilled modal: fields left out keep the value the form offered.
        answers = {f.name: f.default for f in form.fields if f.default} | values
        event = FormSubmitted(self._new_id(), member_ref(member), channel_ref("general"), form.form_id, answers)
        await self._interact(member, "general", event)

    async def _interact(self, member: str, channel: str, event: ComponentClicked | FormSubmitted) -> None:
        invocation = Invocation(member_ref(member), channel_ref(channel), self._level(member), event.event_id)
        if isinstance(event, ComponentClicked):
            reply = await self.hearth.inbound.click(invocation, event)
        else:
            reply = await self.hearth.inbound.submit(invocation, event)
        await self.hearth.inbound.deliver(invocation, _Outbox(self, invocation), reply)

    # -- output ----------------------------------------------------------------------------------------
    async def _emit(self, where: str, channel: str, visible_to: str | None, reply: Reply) -> str:
        message_id = self._new_id()
        self.state.messages.append(_Posted(message_id, channel, None, visible_to, reply))
        self._write(where, render_plain(reply, await self._save(reply)))
        return message_id

    async def _save(self, reply: Reply) -> list[Path | str]:
        """Write the reply's files under `files_dir`, each under a name of its own (a message id first). Where
        they cannot be written (the console started in a read-only folder, a full disk) the message is shown all
        the same, each file named as not written and why: a rank card ended the whole session with a traceback."""
        if not reply.files:
            return []
        paths = [self.files_dir / f"{self._new_id()}-{Path(file.filename).name}" for file in reply.files]

        def write() -> None:  # in a worker thread: files may be large (an export)
            self.files_dir.mkdir(parents=True, exist_ok=True)
            for path, attachment in zip(paths, reply.files, strict=True):
                path.write_bytes(attachment.data)

        try:
            await asyncio.to_thread(write)
        except OSError as error:
            return [f"{self.files_dir}: {error.strerror or error}"] * len(reply.files)
        return list(paths)

    async def open_form(self, member: str, channel: str, reply: Reply) -> None:
        assert reply.form is not None
        self.state.forms[member] = reply.form
        await self._emit(f"only @{member}", channel, member, reply)

    def _visible(self, member: str) -> Iterable[_Posted]:
        for posted in reversed(self.state.messages):
            if posted.author is None and posted.visible_to in (None, member):
                yield posted

    def _level(self, member: str) -> Permission:
        return self.state.levels.get(member, Permission.MEMBER)

    def _resolve(self, token: str, kind: OptionType) -> object | None:
        if kind is OptionType.MEMBER and (match := _MEMBER_TOKEN.match(token)):
            # Everyone and here are the platforms' group mentions, never a member (nor thanked, nor on a board).
            return None if match.group(1).casefold() in GROUP_MENTIONS else member_ref(match.group(1))
        if kind is OptionType.CHANNEL and (match := _CHANNEL_TOKEN.match(token)):
            return channel_ref(match.group(1))
        if kind is OptionType.ROLE and (match := _ROLE_TOKEN.match(token)):
            return RoleRef(COMMUNITY, match.group(1), match.group(1))
        return None

    @staticmethod
    def _new_id() -> str:
        # Unique across runs on the same database file: ids are idempotency keys in the ledger.
        return uuid.uuid4().hex


@dataclass(frozen=True)
class _Outbox:
    """Answers on the console: `[only @name]` for the person, the channel for everyone, a form as prompts."""

    platform: ConsolePlatform
    invocation: Invocation

    @property
    def _member(self) -> str:
        return self.invocation.author.external_id

    @property
    def _channel(self) -> ChannelRef:
        return self.invocation.channel or channel_ref("general")

    async def modal(self, form: Form) -> bool:
        await self.platform.open_form(self._member, self._channel.external_id, Reply(form=form))
        return True

    async def ephemeral(self, reply: Reply) -> None:
        await self.platform._emit(f"only @{self._member}", self._channel.external_id, self._member, reply)

    async def public(self, reply: Reply) -> None:
        await self.platform.send(self._channel, reply)

    async def quiet(self) -> None:
        """Nothing to show."""
