"""The Hearth runtime: one per process, shared by whichever platform adapter is attached.

Platforms hand events to `dispatch`, and what people do (commands, clicks, forms) to `inbound`
(`bot.core.inbound`), which answers through `run_command`, `click` and `submit` and delivers the Reply.
Everything feature-specific lives in cogs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import replace
from datetime import timedelta
from typing import Any, cast

from bot.core.absence import Absences, PresentOnly
from bot.core.arguments import example, usage
from bot.core.claims import ALREADY_HANDLED, CommandClaims
from bot.core.clock import Clock
from bot.core.commands import CommandSpec, Option, OptionType
from bot.core.context import Context
from bot.core.events import (
    CommunitiesListed,
    CommunityAdded,
    CommunityRemoved,
    ComponentClicked,
    Event,
    FormSubmitted,
    MemberJoined,
    MemberLeft,
    MembersPresent,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
)
from bot.core.failures import database_unavailable, log_failure
from bot.core.identity import Identity
from bot.core.inbound import SORRY, UNKNOWN_COMMAND, Inbound
from bot.core.ingest import LedgerBuffer
from bot.core.lifecycle import Lifecycle
from bot.core.messenger import Messenger, NoMessenger
from bot.core.refs import ChannelRef, CommunityRef, Member, MemberRef, Permission, RoleRef
from bot.core.registry import Registry
from bot.core.reply import Card, Reply, UserError, typed_text
from bot.core.scheduling import Scheduler
from bot.core.services import Services
from bot.core.settings_store import SettingsStore
from bot.core.standings import NoStandings
from bot.core.streaks import NoStreaks
from bot.core.wording import not_one_of
from config.community import SettingError, canonical_zone, fixed_offset_refusal, is_time_zone
from config.durations import parse_duration
from storage import lifecycle
from storage.engine import Database, sqlite_file

log = logging.getLogger(__name__)

PASSIVE_EVENTS = (MessagePosted, ReactionAdded, ReactionRemoved)
# Discord's own bound on integer options (±2⁵³); on Slack and the console, what is typed beyond it would not fit
# a database integer either (it answered "something went wrong" with an OverflowError logged).
LARGEST_INTEGER_OPTION = 2**53
# Who is a member, and since when, is recorded before any cog hears of it, whichever cogs are loaded.
MEMBERSHIP_EVENTS = (MemberJoined, MemberLeft, MembersPresent)


class Hearth:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        scheduler: Scheduler,
        *,
        activity_flush_seconds: float = 2.0,
        activity_batch_size: int = 2000,
    ) -> None:
        self.db = db
        self.clock = clock
        self.registry = Registry()
        identity = Identity(db, clock)
        self.services = Services(
            db=db,
            clock=clock,
            identity=identity,
            settings=SettingsStore(db, self.registry.settings),
            activity=LedgerBuffer(db, activity_flush_seconds, activity_batch_size, identity.moved),
            scheduler=scheduler,
            messenger=cast(Messenger, NoMessenger()),
            absent=Absences(),
            publish=self.dispatch,
            standings=NoStandings(),
            streaks=NoStreaks(),
        )
        # Platforms hand what people do to this pipeline (commands, clicks, forms) and it delivers the answer.
        self.inbound = Inbound(self)
        self.claims = CommandClaims(db)
        self.lifecycle = Lifecycle()
        self._started = False
        self._hooks: asyncio.Task[None] | None = None

    # -- lifecycle -------------------------------------------------------------------------------
    def load_cogs(self, names: Iterable[str]) -> None:
        self.registry.command(
            CommandSpec(name="help", description="What Hearth can do for you here", handler=self._help, read_only=True)
        )
        self.registry.load(names, self.services)

    async def _help(self, ctx: Context) -> Reply:
        """Built into the core, since only the registry knows every cog's commands."""
        lines = [
            f"`{usage(spec)}` — {spec.description}"
            for spec in sorted(self.registry.commands.values(), key=lambda s: s.path)
            if spec.permission <= ctx.level
        ]
        return Reply(card=Card(title="Hearth commands", description="\n".join(lines)), ephemeral=True)

    def attach(self, messenger: Messenger) -> None:
        """Give Hearth a platform to speak through; attach once it can send. If Hearth has already
        started, the cogs' start hooks (which may post) run now."""
        self.services.messenger = cast(Messenger, PresentOnly(messenger, self.services.absent))
        if self._started and self._hooks is None:
            self._hooks = asyncio.create_task(self._run_start_hooks(), name="hearth-start-hooks")

    async def start(self) -> None:
        """Migrate and start the background work; then, once a platform is attached (now, or when it
        attaches), the cogs' start hooks: a hook may post, e.g. a ritual firing missed while down."""
        migrated = await self.db.migrate()
        async with self.db.read() as session:
            removed = await lifecycle.removed_communities(session)
        for community_id, _ in removed:
            community = await self.services.identity.community_by_id(community_id)
            self.services.absent.mark(community.ref, community_id, removed=True)
        # A SQLite file is named in full, and a new one said to be new: the default URL is relative, so Hearth
        # started from another folder (a service without a working directory) runs on an empty database there.
        url = self.db.engine.url.render_as_string(hide_password=True)
        file = sqlite_file(url)
        log.info(
            "Hearth started: %s; database %s%s%s",
            ", ".join(self.registry.loaded),
            url,
            f" ({file.absolute()})" if file is not None else "",
            ", new and empty: built now" if migrated == "built" else "",
        )
        self.services.activity.start()
        self.services.scheduler.start()
        self._started = True
        if not isinstance(self.services.messenger, NoMessenger) and self._hooks is None:
            self._hooks = asyncio.create_task(self._run_start_hooks(), name="hearth-start-hooks")
            await self._hooks

    async def hooks_done(self) -> None:
        """Wait until the start hooks have run (they start once Hearth is started and attached)."""
        if self._hooks is not None:
            await asyncio.shield(self._hooks)

    async def _run_start_hooks(self) -> None:
        for hook in self.registry.start_hooks:
            try:
                await hook()
            except Exception:
                log.exception("start hook %s failed", getattr(hook, "__qualname__", hook))

    async def close(self) -> None:
        if self._hooks is not None and not self._hooks.done():
            self._hooks.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._hooks
        for hook in self.registry.stop_hooks:
            try:
                await hook()
            except Exception:
                log.exception("stop hook %s failed", getattr(hook, "__qualname__", hook))
        await self.services.scheduler.shutdown()
        await self.services.activity.close()

    # -- inbound ---------------------------------------------------------------------------------
    async def context(
        self,
        author: MemberRef,
        channel: ChannelRef | None,
        level: Permission,
        invocation_id: str,
    ) -> Context:
        community = await self.services.identity.community(author.community)
        member = await self.services.identity.member(author)
        settings = await self.services.settings.get(community.id)
        return Context(community, member, channel, level, invocation_id, self.clock.now(), settings)

    def command(self, path: str) -> CommandSpec | None:
        return self.registry.commands.get(path)

    async def run_command(
        self, ctx: Context, path: str, raw_options: dict[str, Any], explain: str | None = None
    ) -> Reply:
        """Check permission, coerce options, run the handler; refusals come back as private replies
        (followed by `explain`, how a typed line was read, when there is one)."""
        spec = self.registry.commands.get(path)
        if spec is None:
            return Reply.private(UNKNOWN_COMMAND.format(name=path))
        if ctx.level < spec.permission:
            return Reply.private(f"Sorry, `/{spec.path}` is for {spec.permission.label}s of this community.")
        if spec.read_only:
            return await self._guarded(spec.path, self._invoke(ctx, spec, raw_options), explain)
        return await self._guarded(spec.path, self._claimed_command(ctx, spec, raw_options), explain)

    async def _claimed_command(self, ctx: Context, spec: CommandSpec, raw_options: dict[str, Any]) -> Reply | None:
        """A command that changes state, claimed before its effect: a replayed request (same invocation id)
        changes nothing. Its options are read first, so the claim's transaction writes the members they name
        seen here for the first time; one another process wrote first (PostgreSQL) is known by that row's id
        from then on, and the handler gets it (with the id given here its rows would refer to no member)."""
        values = await self._values(spec, raw_options)
        if not await self.claims.claim(ctx.community.id, ctx.invocation_id, ctx.now):
            log.info("/%s: invocation %s was already handled", spec.path, ctx.invocation_id)
            return Reply.private(ALREADY_HANDLED)
        ctx = self._settled(ctx)
        identity = self.services.identity
        values = {
            name: identity.settled(value) if isinstance(value, Member) else value for name, value in values.items()
        }
        return await self._claimed(ctx, lambda: spec.handler(ctx, **values))

    def _settled(self, ctx: Context) -> Context:
        """`ctx` with its author under their row's id, once a write transaction has written them."""
        author = self.services.identity.settled(ctx.author)
        return ctx if author is ctx.author else replace(ctx, author=author)

    async def _claimed(self, ctx: Context, work: Callable[[], Awaitable[Reply | None]]) -> Reply | None:
        """Run claimed work (a command, a click, a form); work that was refused or failed changed nothing, so
        its claim is given back and a redelivery gets the same answer, not "already handled"."""
        try:
            return await work()
        except BaseException:
            await asyncio.shield(self.claims.release(ctx.community.id, ctx.invocation_id))
            raise

    async def _once(self, ctx: Context, what: str, work: Callable[[Context], Awaitable[Reply | None]]) -> Reply | None:
        """A click or a form, claimed by the platform's interaction id as a command is (every registered
        button, menu and form changes something): a replayed request is answered "already handled". The work
        gets `ctx` settled by the claim's transaction, as a command's handler does."""
        if not await self.claims.claim(ctx.community.id, ctx.invocation_id, ctx.now):
            log.info("%s: interaction %s was already handled", what, ctx.invocation_id)
            return Reply.private(ALREADY_HANDLED)
        return await self._guarded(what, self._claimed(ctx, lambda: work(self._settled(ctx))))

    async def dispatch(self, event: Event) -> bool:
        """Give an event to every cog that subscribed to its type; one failing cog spoils nothing.

        A passive event (a message, a reaction) returns only once the activity buffer is below its bound,
        so that whatever a platform acknowledged after this returns is within it (bot/core/ingest.py):
        each return happens while fewer than the bound wait unwritten, acknowledged or not.

        Returns False when the database was locked by another program or out of reach for some of the
        handling (what that part would have written was not; a membership change or a community's arrival
        or removal is then not handled at all): a platform that can have the event sent again (Slack, by an
        answer other than 200) should, rather than acknowledge what was not kept. Any other failure of a
        handler is a bug, logged, and the event counts as handled.
        """
        try:
            if isinstance(event, MEMBERSHIP_EVENTS):
                await self._membership(event)
            if isinstance(event, CommunityRemoved | CommunityAdded):
                community = await self.services.identity.community(event.community)
                self.services.absent.mark(event.community, community.id, removed=isinstance(event, CommunityRemoved))
        except Exception as error:
            if not database_unavailable(error):
                raise
            log_failure(log, "%s not handled", event)
            return False
        kept = True
        for handler in self.registry.handlers.get(type(event), []):
            try:
                await handler(event)
            except Exception as error:
                log_failure(log, "handler %s failed on %s", getattr(handler, "__qualname__", handler), event)
                kept = kept and not database_unavailable(error)
        if isinstance(event, CommunitiesListed):
            kept = await self._removed_meanwhile(event) and kept
        if isinstance(event, MembersPresent):
            kept = await self._back(event) and kept
            if event.everyone_in is not None:
                kept = await self._gone(event, event.everyone_in) and kept
        if self.services.activity.full and isinstance(event, PASSIVE_EVENTS):
            await self.services.activity.room()
        return kept

    async def _back(self, event: MembersPresent) -> bool:
        """Members the platform lists as there whom Hearth last saw leave came back while it was not listening (a
        restart, an outage; Discord's member list at every start): each is a join as if seen, so they are members
        again (until 2026-12-01 they stayed "no longer a member", and were anonymised after `departed_retention`)
        and get back what leaving took."""
        identity = self.services.identity
        kept = True
        for ref, joined_at in event.members:
            if not ref.is_bot and identity.departed((await identity.member(ref)).id):
                back = MemberJoined(f"{event.event_id}:{ref.external_id}", ref, joined_at)
                kept = await self.dispatch(back) and kept
        return kept

    async def _removed_meanwhile(self, event: CommunitiesListed) -> bool:
        """Communities Hearth knows on the platform that it is no longer in removed it while it was not listening (a
        kick during a restart): each is a removal as if seen, so its data goes after `removal_grace` (until
        2026-12-02 it was kept for good, and a moderator adding Hearth back a year later found it all there)."""
        listed = set(event.communities)
        kept = True
        for ref in await self.services.identity.communities_on(event.platform):
            if ref not in listed and ref not in self.services.absent:
                log.warning(
                    "Hearth is no longer in community %s (%s), removed while it was not connected: its data is deleted"
                    " after removal_grace unless Hearth is added back",
                    ref.external_id,
                    ref.name or "no name known",
                )
                kept = await self.dispatch(CommunityRemoved(f"{event.event_id}:{ref.external_id}", ref)) and kept
        return kept

    async def _gone(self, event: MembersPresent, community: CommunityRef) -> bool:
        """Members Hearth counts as there whom the community's whole member list leaves out left while it was not
        listening (a restart, an outage: Discord sends no leave to a bot that is not connected): each is a leave as
        if seen, dated when Hearth learns of it. Until 2026-12-02 they stayed members for good: in health's member
        counts and onboarding's reminders, never anonymised after `departed_retention`."""
        listed = {ref.external_id for ref, _ in event.members}
        kept = True
        for ref in await self.services.identity.unlisted(community, listed):
            kept = await self.dispatch(MemberLeft(f"{event.event_id}:gone:{ref.external_id}", ref)) and kept
        return kept

    async def _membership(self, event: MemberJoined | MemberLeft | MembersPresent) -> None:
        identity = self.services.identity
        match event:
            case MemberJoined(member=member, joined_at=joined_at) if not member.is_bot:
                await identity.rejoined(member, joined_at)
            case MemberLeft(member=member):
                await identity.left(member)
            case MembersPresent(members=members):
                await identity.present(list(members))

    async def click(self, ctx: Context, event: ComponentClicked) -> Reply | None:
        prefix, _, rest = event.action_id.partition(":")
        handler = self.registry.components.get(prefix)
        if handler is None:
            return Reply.private("That button no longer does anything.")
        return await self._once(ctx, event.action_id, lambda settled: handler(settled, rest, event.values))

    async def submit(self, ctx: Context, event: FormSubmitted) -> Reply | None:
        prefix, _, rest = event.form_id.partition(":")
        handler = self.registry.forms.get(prefix)
        if handler is None:
            return Reply.private("That form has expired; please open it again.")
        values = {name: typed_text(value) for name, value in event.values.items()}
        return await self._once(ctx, event.form_id, lambda settled: handler(settled, rest, values))

    async def home(self, ctx: Context) -> list[Reply]:
        """A member's personal page, one Reply per cog with something to show (Slack renders its App Home)."""
        sections = [await self._guarded("home", handler(ctx)) for handler in self.registry.homes]
        return [section for section in sections if section is not None]

    async def _guarded(self, what: str, work: Any, explain: str | None = None) -> Any:
        try:
            return await work
        except (UserError, SettingError) as error:
            message = getattr(error, "message", None) or str(error)
            return Reply.private(f"{message}\n{explain}" if explain else message)
        except Exception:
            log_failure(log, "%s failed", what)
            return Reply.private(SORRY)

    async def _invoke(self, ctx: Context, spec: CommandSpec, raw_options: dict[str, Any]) -> Reply:
        """A read-only command. Its author or a member its options name, given an id in memory here on first sight,
        may have a row another process wrote (PostgreSQL): a write transaction writes them first (only then), so
        that the handler reads under the stored id, not an id no row has (`/rank` read 0 points, unranked)."""
        values = await self._values(spec, raw_options)
        identity = self.services.identity
        if identity.unwritten([ctx.author, *(value for value in values.values() if isinstance(value, Member))]):
            async with self.services.db.write():
                pass
            ctx = self._settled(ctx)
            values = {
                name: identity.settled(value) if isinstance(value, Member) else value for name, value in values.items()
            }
        return await spec.handler(ctx, **values)

    async def _values(self, spec: CommandSpec, raw_options: dict[str, Any]) -> dict[str, Any]:
        """The handler's arguments from the options as given; a missing or unreadable one is refused."""
        unknown = set(raw_options) - {option.name for option in spec.options}
        if unknown:
            raise UserError(f"`/{spec.path}` has no option `{sorted(unknown)[0]}`. Usage: `{usage(spec)}`")
        values: dict[str, Any] = {}
        for option in spec.options:
            raw = raw_options.get(option.name)
            if raw is None or (isinstance(raw, str) and not typed_text(raw)):  # nothing visible is nothing given
                if option.required:
                    raise UserError(
                        f"`/{spec.path}` needs {option.name}. Usage: `{usage(spec)}` — for example `{example(spec)}`"
                    )
                values[option.name] = option.default
                continue
            values[option.name] = await self._coerce(option, raw)
        return values

    async def _coerce(self, option: Option, raw: Any) -> Any:
        kind = option.type
        if kind is OptionType.MEMBER:
            if not isinstance(raw, MemberRef):
                raise UserError(f"I couldn't find the member `{raw}`.")
            return await self.services.identity.member(raw)
        if kind is OptionType.CHANNEL:
            if not isinstance(raw, ChannelRef):
                raise UserError(f"I couldn't find the channel `{raw}`.")
            return raw
        if kind is OptionType.ROLE:
            if not isinstance(raw, RoleRef):
                raise UserError(f"I couldn't find the role `{raw}`.")
            return raw
        if kind is OptionType.INTEGER:
            name = option.name.replace("_", " ").capitalize()
            lowest = option.min_value if option.min_value is not None else -LARGEST_INTEGER_OPTION
            highest = option.max_value if option.max_value is not None else LARGEST_INTEGER_OPTION
            try:
                number = int(raw)
            except (TypeError, ValueError):
                if isinstance(raw, str) and re.fullmatch(r"[-+]?\d+", raw.strip()):
                    # Digits past the 4,300 int() reads: a number far out of range, not one to echo back.
                    number = lowest - 1 if raw.strip().startswith("-") else highest + 1
                else:
                    raise UserError(f"{name} must be a whole number, not `{raw}`.") from None
            if number < lowest:
                raise UserError(f"{name} must be at least {lowest:,}.")
            if number > highest:
                raise UserError(f"{name} must be at most {highest:,}.")
            return number
        text = typed_text(str(raw))
        if kind is OptionType.CHOICE:
            if text.lower() not in option.choices:
                raise UserError(not_one_of(f"`{text}`", option.noun or option.name, option.choices, text))
            return text.lower()
        if kind is OptionType.DURATION:
            try:
                duration: timedelta = parse_duration(text)
            except ValueError as error:
                raise UserError(f"{option.name}: {error}.") from None
            return duration
        if kind is OptionType.TIMEZONE:
            zone = canonical_zone(text)
            if not is_time_zone(zone):
                raise UserError(f"`{text}` is not a time zone I know. Use an IANA name such as Europe/Berlin.")
            if refusal := fixed_offset_refusal(zone):
                raise UserError(f"Sorry, {refusal}.")
            return zone
        if option.max_length is not None and len(text) > option.max_length:
            raise UserError(
                f"{option.name.capitalize()} is {len(text)} characters long; the limit is {option.max_length}."
            )
        return text
