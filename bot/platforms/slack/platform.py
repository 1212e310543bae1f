"""Slack, through Bolt: slash commands, events and interactivity in; Block Kit out.

Built by `create_slack_platform(hearth, settings)` (no module-level app, so tests run the real thing).
Every slash command is acknowledged at once and answered after the ack: ephemeral replies through the
command's `response_url` (or `chat.postEphemeral`), public ones with `chat.postMessage`.

Slack redelivers an event it thinks we missed (`X-Slack-Retry-Num`) and Bolt does not deduplicate.
Hearth does, twice over: a middleware after Bolt's signature check keeps a bounded in-memory set of
recent `event_id`s (`RecentIds`) and answers a redelivery before anything is dispatched; and whatever an
event awards carries a ledger idempotency key (a message's `ts`), so a redelivery after a restart, when
the set is empty again, still awards nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.core.arguments import parse_arguments, usage
from bot.core.commands import OptionType
from bot.core.events import (
    ComponentClicked,
    FormSubmitted,
    MemberJoined,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
)
from bot.core.messenger import Capabilities, PlatformError
from bot.core.refs import ChannelRef, CommunityRef, MemberRef, Permission, RoleRef
from bot.core.reply import Reply, UserError
from bot.core.runtime import Hearth
from bot.platforms.slack.blocks import home_view, message_payload, modal_view, submission_errors, submitted_values
from bot.platforms.slack.manifest import BOT_SCOPES
from config.settings import Settings, SettingsError

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
PROFILE_SECONDS = 60.0  # how long a member's admin flag and the moderator groups are trusted
RECENT_EVENTS = 10_000  # event ids remembered for deduplication (Slack retries within minutes)
_USER = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|([^>]*))?>$")
_CHANNEL = re.compile(r"^<#([CGD][A-Z0-9]+)(?:\|([^>]*))?>$")
_SUBTEAM = re.compile(r"^<!subteam\^([A-Z0-9]+)(?:\|@?([^>]*))?>$")
_MENTIONS = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_SLACK_MARKUP = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")
# Message subtypes a person wrote; the rest (edits, joins, bots, ...) are not activity.
_HUMAN_SUBTYPES = {None, "thread_broadcast", "file_share"}
# conversations.open / chat.postMessage errors meaning "this member cannot be messaged".
_UNREACHABLE = {"cannot_dm_bot", "user_not_found", "user_disabled", "user_not_visible", "messages_tab_disabled"}


def from_slack_text(text: str) -> str:
    """Slack's message format as the plain text a person typed: `<@U1|bob>` -> `@bob`, `<!here>` -> `@here`,
    `<#C1|news>` -> `#news`, links -> `label (url)`, and `&lt;` `&gt;` `&amp;` unescaped (renderers escape again).
    """

    def plain(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2) or ""
        if target[0] in "@#":
            return target[0] + (label or target[1:])
        if target.startswith("!"):
            name = label or target[1:].split("^")[0]
            return name if name.startswith("@") else f"@{name}"
        return f"{label} ({target})" if label and label != target else target

    unmarked = _SLACK_MARKUP.sub(plain, text)
    return unmarked.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


class RecentIds:
    """The last `size` ids seen, in arrival order: `first_time` is True once per id."""

    def __init__(self, size: int = RECENT_EVENTS) -> None:
        self._size = size
        self._ids: OrderedDict[str, None] = OrderedDict()

    def first_time(self, item: str) -> bool:
        if item in self._ids:
            return False
        self._ids[item] = None
        if len(self._ids) > self._size:
            self._ids.popitem(last=False)
        return True


@dataclass(frozen=True)
class Profile:
    name: str
    is_bot: bool
    is_admin: bool


@dataclass(frozen=True)
class _Origin:
    """Where an interaction came from, so its reply goes back to the right place."""

    member: MemberRef
    channel: ChannelRef | None
    trigger_id: str | None = None
    response_url: str | None = None


def check_settings(settings: Settings) -> None:
    """Fail before connecting when a token or secret cannot work, saying what to fix."""
    token = settings.slack_bot_token
    if not token:
        raise SettingsError(
            "SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-...) from your Slack app's "
            "OAuth & Permissions page."
        )
    if not token.startswith("xoxb-"):
        raise SettingsError(
            "SLACK_BOT_TOKEN must be a bot token starting with xoxb- (OAuth & Permissions page); "
            f"the one given starts with {token[:5]!r}."
        )
    app_token = settings.slack_app_token
    if app_token and not app_token.startswith("xapp-"):
        raise SettingsError(
            "SLACK_APP_TOKEN must be an app-level token starting with xapp- (Basic Information > App-Level "
            f"Tokens, scope connections:write); the one given starts with {app_token[:5]!r}."
        )
    if not app_token and not settings.slack_signing_secret:
        raise SettingsError(
            "HTTP mode needs SLACK_SIGNING_SECRET (Basic Information > App Credentials) to verify Slack's "
            "requests; or set SLACK_APP_TOKEN (xapp-...) to use Socket Mode instead."
        )


def _detail(error: SlackApiError, key: str) -> str:
    data = error.response.data
    return str(data.get(key, "?")) if isinstance(data, dict) else "?"


def error_code(error: SlackApiError) -> str:
    """Slack's error code (`not_in_channel`), or the HTTP status when the answer was not JSON."""
    data = error.response.data
    if isinstance(data, dict):
        return str(data.get("error", "unknown_error"))
    return f"HTTP {error.response.status_code}"


def _refusal(error: SlackApiError, what: str, doing: str = "do this") -> PlatformError:
    """A Web API error as a reason a moderator can act on; `doing` names what Hearth was refused."""
    code = error_code(error)
    reasons = {
        "not_in_channel": f"Hearth is not a member of that channel: invite it with `/invite @Hearth`, then {what}.",
        "channel_not_found": (
            f"Hearth cannot see that channel (private?): invite it with `/invite @Hearth`, then {what}."
        ),
        "is_archived": "That channel is archived.",
        "missing_scope": (
            f"The Slack app lacks the `{_detail(error, 'needed')}` scope: update it from "
            f"`hearth slack-manifest` and reinstall it, then {what}."
        ),
        "restricted_action": f"A workspace setting forbids Hearth to {doing}; a Slack admin can allow it.",
        "cant_invite_self": "Hearth cannot invite itself.",
        "user_is_restricted": "Guests can only be added to channels by a Slack admin.",
    }
    return PlatformError(reasons.get(code, f"Slack refused ({code})."))


async def _acknowledged(**_: Any) -> None:
    """The `ack` a handler gets once Slack has had its answer."""


class SlackPlatform:
    """The Bolt app wired to a Hearth runtime; also Hearth's Messenger on Slack."""

    # Slack has no roles (user groups are not permissions) and its threads have no titles.
    capabilities = Capabilities(roles=False, group_dms=True, named_threads=False, files=True)

    def __init__(self, hearth: Hearth, settings: Settings, session: aiohttp.ClientSession) -> None:
        self.hearth = hearth
        self.settings = settings
        self.session = session
        self.client = AsyncWebClient(
            token=settings.slack_bot_token,
            base_url=settings.slack_api_url or AsyncWebClient.BASE_URL,
            session=session,
        )
        # Events are handled before Slack gets its 200, so that what Slack was told we have is within the
        # activity buffer's bound (bot/core/ingest.py); commands and clicks are answered first and run
        # after (`_after_ack`), as Slack's 3-second limit asks.
        self.app = AsyncApp(
            client=self.client, signing_secret=settings.slack_signing_secret or "", process_before_response=True
        )
        self.team_id = ""
        self.team_name = ""
        self.bot_user_id = ""
        self._recent = RecentIds()
        self._profiles: dict[str, tuple[float, Profile]] = {}
        self._moderators: tuple[float, frozenset[str]] | None = None
        self._general: dict[str, bool] = {}  # channel id -> is it the workspace's general channel
        self._handling: set[asyncio.Task[None]] = set()  # commands and clicks answered, still running
        self._unnamed: dict[str, CommunityRef] = {}  # message authors whose profile is being fetched
        self._naming: asyncio.Task[None] | None = None
        self._register()

    # -- startup -----------------------------------------------------------------------------------
    async def verify(self) -> None:
        """auth.test: the token works, and which workspace and bot user it belongs to."""
        try:
            found = await self.client.auth_test()
        except SlackApiError as error:
            raise SettingsError(
                f"Slack refused SLACK_BOT_TOKEN (auth.test: {error_code(error)}). Copy the current "
                "Bot User OAuth Token from the app's OAuth & Permissions page (reinstall the app if it was revoked)."
            ) from None
        except aiohttp.ClientError as error:
            raise SettingsError(f"Cannot reach the Slack Web API at {self.client.base_url}: {error}") from None
        granted = found.headers.get("x-oauth-scopes") or found.headers.get("X-OAuth-Scopes")
        if granted is not None:
            missing = [scope for scope in BOT_SCOPES if scope not in {s.strip() for s in granted.split(",")}]
            if missing:
                raise SettingsError(
                    f"The Slack app lacks the scope(s) {', '.join(missing)}: add them on the app's OAuth & "
                    "Permissions page (or recreate it from `hearth slack-manifest`) and reinstall it."
                )
        self.team_id = str(found["team_id"])
        self.team_name = str(found.get("team") or "")
        self.bot_user_id = str(found["user_id"])
        # Only now can Hearth speak: its start hooks (a ritual firing missed while down) may post. Attached
        # before, a refused token would have turned that firing into a failed run instead of a later post.
        self.hearth.attach(self)

    async def start_http(self, host: str, port: int) -> web.AppRunner:
        """Bolt's own aiohttp app at /slack/events (signature-verified); port 0 picks a free one."""
        runner = web.AppRunner(self.app.web_app(path=EVENTS_PATH, port=port))
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        return runner

    async def start_socket_mode(self, app_token: str) -> AsyncSocketModeHandler:
        handler = AsyncSocketModeHandler(self.app, app_token, web_client=self.client)
        await handler.connect_async()
        return handler

    async def close(self) -> None:
        if self._naming is not None:  # names still to fetch come with these members' next message
            self._naming.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._naming
        await self.session.close()

    def _register(self) -> None:
        self.app.middleware(self._drop_redeliveries)
        for name in self.command_names():
            self.app.command(f"/{name}")(self._after_ack(self._on_command))
        self.app.action(re.compile(".*"))(self._after_ack(self._on_action))
        self.app.view(re.compile(".*"))(self._on_view)
        self.app.event("message")(self._message)
        self.app.event("team_join")(self._team_join)
        self.app.event("member_joined_channel")(self._member_joined_channel)
        self.app.event("reaction_added")(self._reaction_added)
        self.app.event("reaction_removed")(self._reaction_removed)
        self.app.event("app_home_opened")(self._app_home_opened)

    def _after_ack(
        self, handler: Callable[[Callable[..., Awaitable[None]], dict[str, Any]], Awaitable[None]]
    ) -> Callable[..., Awaitable[None]]:
        """Answer Slack at once and run `handler` after (the app otherwise answers once a listener is done)."""

        async def listener(ack: Callable[..., Awaitable[None]], body: dict[str, Any]) -> None:
            await ack()
            task = asyncio.ensure_future(handler(_acknowledged, body))
            self._handling.add(task)
            task.add_done_callback(self._handling.discard)

        return listener

    def command_names(self) -> list[str]:
        """Slack slash commands: every top-level command, and one per group."""
        registry = self.hearth.registry
        return sorted({spec.group or spec.name for spec in registry.commands.values()})

    async def _drop_redeliveries(
        self, body: dict[str, Any], next_: Callable[[], Awaitable[None]]
    ) -> BoltResponse | None:
        """Middleware after Bolt's signature check: a redelivered event is answered 200 and goes no further.

        Deciding here, before the response, means nothing of a redelivery is ever scheduled.
        """
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not self._recent.first_time(str(event_id)):
            log.info("dropped a redelivery of Slack event %s", event_id)
            return BoltResponse(status=200, body="")
        await next_()
        return None

    # -- identities ----------------------------------------------------------------------------------
    def _community(self, team_id: str) -> CommunityRef:
        return CommunityRef("slack", team_id, self.team_name if team_id == self.team_id else "")

    async def profile(self, user_id: str, max_age: float = float("inf")) -> Profile:
        """users.info, cached: names are reused for as long as we run, admin flags for `max_age` seconds."""
        cached = self._profiles.get(user_id)
        if cached is not None and time.monotonic() - cached[0] <= max_age:
            return cached[1]
        try:
            found = (await self.client.users_info(user=user_id))["user"]
        except SlackApiError as error:
            log.warning("users.info %s failed: %s", user_id, error_code(error))
            return cached[1] if cached else Profile(user_id, False, False)
        return self._remember(found)

    def _remember(self, user: dict[str, Any]) -> Profile:
        details = user.get("profile") or {}
        found = Profile(
            name=details.get("display_name") or details.get("real_name") or user.get("name") or user["id"],
            is_bot=bool(user.get("is_bot")) or user["id"] == "USLACKBOT",
            is_admin=bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")),
        )
        self._profiles[user["id"]] = (time.monotonic(), found)
        return found

    async def member(self, community: CommunityRef, user_id: str) -> MemberRef:
        found = await self.profile(user_id)
        return MemberRef(community, user_id, found.name, found.is_bot)

    def _author(self, community: CommunityRef, user_id: str) -> MemberRef:
        """A message's author without waiting for users.info: a newcomer is recorded at once under their id
        and named once the profile arrives (one fetch at a time, in the background)."""
        cached = self._profiles.get(user_id)
        if cached is not None:
            return MemberRef(community, user_id, cached[1].name, cached[1].is_bot)
        if user_id not in self._unnamed:
            self._unnamed[user_id] = community
            if self._naming is None or self._naming.done():
                self._naming = asyncio.create_task(self._name_newcomers(), name="hearth-slack-profiles")
        return MemberRef(community, user_id)

    async def _name_newcomers(self) -> None:
        while self._unnamed:
            user_id, community = next(iter(self._unnamed.items()))
            try:
                await self.hearth.services.identity.member(await self.member(community, user_id))
            except Exception:
                log.exception("could not name Slack member %s", user_id)
            finally:
                del self._unnamed[user_id]

    async def level(self, user_id: str) -> Permission:
        """Workspace admins and owners are admins; members of SLACK_MODERATOR_GROUPS are moderators."""
        if (await self.profile(user_id, PROFILE_SECONDS)).is_admin:
            return Permission.ADMIN
        if user_id in await self._moderator_ids():
            return Permission.MODERATOR
        return Permission.MEMBER

    async def _moderator_ids(self) -> frozenset[str]:
        groups = self.settings.slack_moderator_group_ids()
        if not groups:
            return frozenset()
        if self._moderators is not None and time.monotonic() - self._moderators[0] <= PROFILE_SECONDS:
            return self._moderators[1]
        members: set[str] = set()
        for group in groups:
            try:
                members.update((await self.client.usergroups_users_list(usergroup=group))["users"])
            except SlackApiError as error:
                # Fail closed: nobody is a moderator through a group we cannot read.
                log.warning("usergroups.users.list %s failed: %s", group, error_code(error))
        self._moderators = (time.monotonic(), frozenset(members))
        return self._moderators[1]

    def _resolve(self, community: CommunityRef, token: str, kind: OptionType) -> object | None:
        if kind is OptionType.MEMBER and (match := _USER.match(token)):
            return MemberRef(community, match.group(1), match.group(2) or "")
        if kind is OptionType.CHANNEL and (match := _CHANNEL.match(token)):
            return ChannelRef(community, match.group(1), match.group(2) or "")
        if kind is OptionType.ROLE and (match := _SUBTEAM.match(token)):
            return RoleRef(community, match.group(1), match.group(2) or "")
        return None

    async def _neutral_options(self, options: dict[str, object]) -> dict[str, object]:
        """Mentioned members get their display name and bot flag (kudos to a bot is refused); text is plain."""
        resolved = dict(options)
        for name, value in options.items():
            if isinstance(value, MemberRef):
                resolved[name] = await self.member(value.community, value.external_id)
            elif isinstance(value, str):
                resolved[name] = from_slack_text(value)
        return resolved

    # -- slash commands ------------------------------------------------------------------------------
    async def _on_command(self, ack: Callable[..., Awaitable[None]], body: dict[str, Any]) -> None:
        await ack()
        community = self._community(body["team_id"])
        origin = _Origin(
            await self.member(community, body["user_id"]),
            ChannelRef(community, body["channel_id"], body.get("channel_name") or ""),
            body.get("trigger_id"),
            body.get("response_url"),
        )
        reply = await self._command_reply(origin, body["command"].lstrip("/"), body.get("text") or "", body)
        await self._deliver(origin, reply)

    async def _command_reply(self, origin: _Origin, name: str, text: str, body: dict[str, Any]) -> Reply:
        path, rest = name, text
        group = self.hearth.registry.groups().get(name)
        if group is not None:
            verb, _, rest = text.strip().partition(" ")
            path = f"{name} {verb.lower()}"
            if self.hearth.command(path) is None:
                lines = "\n".join(f"`{usage(spec)}`" for spec in sorted(group, key=lambda s: s.name))
                return Reply.private(f"`/{name}` needs one of these:\n{lines}")
        spec = self.hearth.command(path)
        if spec is None:
            return Reply.private(f"I don't know the command `/{name}`. Try `/help`.")
        level = await self.level(origin.member.external_id)
        # Slack has no stable id for a slash command; the trigger id is unique per invocation.
        ctx = await self.hearth.context(origin.member, origin.channel, level, body["trigger_id"])
        try:
            options = parse_arguments(spec, rest, partial(self._resolve, origin.member.community))
        except UserError as error:
            return Reply.private(error.message)
        return await self.hearth.run_command(ctx, path, await self._neutral_options(options))

    # -- interactivity -------------------------------------------------------------------------------
    async def _on_action(self, ack: Callable[..., Awaitable[None]], body: dict[str, Any]) -> None:
        await ack()
        action = body["actions"][0]
        community = self._community(body["team"]["id"])
        channel_id = (body.get("channel") or {}).get("id") or body.get("container", {}).get("channel_id")
        channel = ChannelRef(community, channel_id) if channel_id else None
        origin = _Origin(
            await self.member(community, body["user"]["id"]), channel, body.get("trigger_id"), body.get("response_url")
        )
        if "selected_options" in action:
            values = tuple(option["value"] for option in action["selected_options"])
        elif "selected_option" in action:
            values = (action["selected_option"]["value"],)
        else:
            values = ()
        event = ComponentClicked(
            body["trigger_id"],
            origin.member,
            channel,
            action["action_id"],
            values,
            (body.get("container") or {}).get("message_ts"),
        )
        ctx = await self.hearth.context(
            origin.member, channel, await self.level(origin.member.external_id), body["trigger_id"]
        )
        reply = await self.hearth.click(ctx, event)
        if (body.get("view") or {}).get("type") == "home" and (reply is None or reply.form is None):
            # Pressed on the App Home: the page itself changes, with the answer on top of it.
            await self.publish_home(origin.member, body["trigger_id"], _notice(reply))
        elif reply is not None:
            await self._deliver(origin, reply)

    async def _on_view(self, ack: Callable[..., Awaitable[None]], body: dict[str, Any]) -> None:
        view = body["view"]
        errors = submission_errors(view)
        if errors:
            await ack(response_action="errors", errors=errors)  # the modal stays open, showing them
            return
        await ack()  # closes the modal; the answer comes as a message
        community = self._community(body["team"]["id"])
        opened_in = json.loads(view.get("private_metadata") or "{}")
        channel = (
            ChannelRef(community, opened_in["channel"], thread_id=opened_in.get("thread"))
            if opened_in.get("channel")
            else None
        )
        origin = _Origin(await self.member(community, body["user"]["id"]), channel, body.get("trigger_id"))
        event = FormSubmitted(view["id"], origin.member, channel, view["callback_id"], submitted_values(view))
        invocation = body.get("trigger_id") or view["id"]
        ctx = await self.hearth.context(origin.member, channel, await self.level(origin.member.external_id), invocation)
        reply = await self.hearth.submit(ctx, event)
        if reply is not None:
            await self._deliver(origin, reply)

    async def _deliver(self, origin: _Origin, reply: Reply) -> None:
        """A reply to the person who acted: a modal, a DM, an ephemeral message or a public post."""
        try:
            if reply.form is not None and origin.trigger_id:
                metadata = {"channel": origin.channel.external_id} if origin.channel else {}
                if origin.channel and origin.channel.thread_id:
                    metadata["thread"] = origin.channel.thread_id
                await self.client.views_open(trigger_id=origin.trigger_id, view=modal_view(reply.form, metadata))
            elif reply.dm or origin.channel is None:
                if await self.send_dm(origin.member, reply) is None and origin.response_url:
                    await self._respond(origin.response_url, Reply.private("I couldn't message you privately."))
            elif reply.ephemeral:
                await self._ephemeral(origin, origin.channel, reply)
            else:
                await self._public(origin, origin.channel, reply)
        except (PlatformError, SlackApiError) as error:
            reason = error.reason if isinstance(error, PlatformError) else error_code(error)
            log.warning("could not deliver a reply to %s: %s", origin.member.external_id, reason)

    async def _ephemeral(self, origin: _Origin, channel: ChannelRef, reply: Reply) -> None:
        if origin.response_url:
            await self._respond(origin.response_url, reply)
            return
        try:
            await self.client.chat_postEphemeral(
                channel=channel.external_id,
                user=origin.member.external_id,
                thread_ts=channel.thread_id,
                **message_payload(reply),
            )
        except SlackApiError:
            await self.send_dm(origin.member, reply)  # e.g. the member is not in that channel

    async def _public(self, origin: _Origin, channel: ChannelRef, reply: Reply) -> None:
        try:
            await self.send(channel, reply)
        except PlatformError:
            # A DM or a private channel Hearth is not in: the command's response_url still works there.
            if not origin.response_url:
                raise
            await self._respond(origin.response_url, reply, public=True)

    async def _respond(self, response_url: str, reply: Reply, public: bool = False) -> None:
        webhook = AsyncWebhookClient(url=response_url, session=self.session)
        answer = await webhook.send(
            response_type="in_channel" if public else "ephemeral", replace_original=False, **message_payload(reply)
        )
        if answer.status_code != 200:
            log.warning("response_url answered %s: %s", answer.status_code, answer.body)

    # -- events ----------------------------------------------------------------------------------------
    async def _message(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("bot_id") or event.get("subtype") not in _HUMAN_SUBTYPES or not event.get("user"):
            return
        community = self._community(body.get("team_id") or event.get("team") or "")
        text = event.get("text") or ""
        thread = event.get("thread_ts")
        mentions = tuple(MemberRef(community, user_id) for user_id in dict.fromkeys(_MENTIONS.findall(text)))
        await self.hearth.dispatch(
            MessagePosted(
                body["event_id"],
                self._author(community, event["user"]),
                ChannelRef(community, event["channel"], thread_id=thread),
                event["ts"],  # unique within its channel (the activity key adds the channel)
                from_slack_text(text),
                thread,
                mentions,
            )
        )

    async def _team_join(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        user = event["user"]
        found = self._remember(user)
        community = self._community(body.get("team_id") or user.get("team_id") or "")
        await self.hearth.dispatch(
            MemberJoined(body["event_id"], MemberRef(community, user["id"], found.name, found.is_bot))
        )

    async def _member_joined_channel(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """Joining the workspace's general channel is joining the community: every newcomer lands there.

        A newcomer therefore produces this and `team_join`; the onboarding cog starts one journey per member,
        so that is one onboarding. Joining any other channel (one Hearth invited them to, say) is not joining.
        """
        if not await self._is_general(event["channel"]):
            return
        community = self._community(body.get("team_id") or event.get("team") or "")
        await self.hearth.dispatch(MemberJoined(body["event_id"], await self.member(community, event["user"])))

    async def _is_general(self, channel_id: str) -> bool:
        known = self._general.get(channel_id)
        if known is None:
            try:
                found = await self.client.conversations_info(channel=channel_id)
            except SlackApiError as error:
                # Not cached: team_join still reports newcomers, and the next join asks again.
                log.warning("conversations.info %s failed: %s", channel_id, error_code(error))
                return False
            known = self._general[channel_id] = bool(found["channel"].get("is_general"))
        return known

    async def _app_home_opened(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("tab") != "home":
            return  # the Messages tab
        community = self._community(body.get("team_id") or event.get("team") or "")
        await self.publish_home(await self.member(community, event["user"]), body["event_id"])

    async def publish_home(self, member: MemberRef, invocation_id: str, notice: Reply | None = None) -> None:
        """The member's App Home: every cog's section of their personal page (`Hearth.home`)."""
        ctx = await self.hearth.context(member, None, await self.level(member.external_id), invocation_id)
        view = home_view(await self.hearth.home(ctx), notice)
        try:
            await self.client.views_publish(user_id=member.external_id, view=view)
        except SlackApiError as error:
            log.warning("views.publish for %s failed: %s", member.external_id, error_code(error))

    async def _reaction_added(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        await self._reaction(ReactionAdded, body, event)

    async def _reaction_removed(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        await self._reaction(ReactionRemoved, body, event)

    async def _reaction(
        self, kind: type[ReactionAdded] | type[ReactionRemoved], body: dict[str, Any], event: dict[str, Any]
    ) -> None:
        item = event.get("item") or {}
        if item.get("type") != "message":
            return
        community = self._community(body.get("team_id") or "")
        author = await self.member(community, event["item_user"]) if event.get("item_user") else None
        await self.hearth.dispatch(
            kind(
                body["event_id"],
                await self.member(community, event["user"]),
                ChannelRef(community, item["channel"]),
                item["ts"],
                event["reaction"],
                author,
            )
        )

    # -- Messenger -------------------------------------------------------------------------------------
    async def send(self, channel: ChannelRef, reply: Reply) -> str:
        try:
            posted = await self.client.chat_postMessage(
                channel=channel.external_id, thread_ts=channel.thread_id, unfurl_links=False, **message_payload(reply)
            )
        except SlackApiError as error:
            raise _refusal(error, "try again") from None
        return str(posted["ts"])

    async def send_dm(self, member: MemberRef, reply: Reply) -> str | None:
        try:
            opened = await self.client.conversations_open(users=member.external_id)
            posted = await self.client.chat_postMessage(channel=opened["channel"]["id"], **message_payload(reply))
        except SlackApiError as error:
            if error_code(error) in _UNREACHABLE:
                return None
            raise _refusal(error, "try again") from None
        return str(posted["ts"])

    async def send_group(self, members: Sequence[MemberRef], reply: Reply) -> None:
        """A group DM (mpim) with Hearth and the members; its buttons work for each of them. When Slack cannot
        open it because one of them cannot be messaged, each of the others gets the message by DM instead."""
        try:
            opened = await self.client.conversations_open(users=",".join(member.external_id for member in members))
        except SlackApiError as error:
            if error_code(error) not in _UNREACHABLE:
                raise _refusal(error, "try again") from None
            if not any([await self.send_dm(member, reply) for member in members]):
                names = ", ".join(member.display_name or member.external_id for member in members)
                raise PlatformError(f"I could not message any of {names} on Slack.") from None
            return
        try:
            await self.client.chat_postMessage(channel=opened["channel"]["id"], **message_payload(reply))
        except SlackApiError as error:
            raise _refusal(error, "try again") from None

    async def can_post(self, channel: ChannelRef) -> bool:
        """Not archived, and public (chat:write.public) or private with Hearth in it (Slack hides the others:
        channel_not_found). Slack tells only members about a channel's messages, so Hearth joins a public
        channel it is to post in: replies to a ritual there count."""
        try:
            found = (await self.client.conversations_info(channel=channel.external_id))["channel"]
        except SlackApiError as error:
            log.info("conversations.info %s: %s", channel.external_id, error_code(error))
            return False
        if found.get("is_archived"):
            return False
        if found.get("is_member"):
            return True
        if found.get("is_private"):
            return False
        try:
            await self.client.conversations_join(channel=channel.external_id)
        except SlackApiError as error:
            # Posting still works (chat:write.public); only replies there go unseen.
            log.warning("could not join %s (%s): replies there will not count", channel.external_id, error_code(error))
        return True

    async def edit(self, channel: ChannelRef, message_id: str, reply: Reply) -> None:
        try:
            await self.client.chat_update(channel=channel.external_id, ts=message_id, **message_payload(reply))
        except SlackApiError as error:
            raise _refusal(error, "try again") from None

    async def start_thread(self, channel: ChannelRef, message_id: str, name: str) -> ChannelRef:
        """Slack threads are replies to a message: nothing to create, and they have no name."""
        return ChannelRef(channel.community, channel.external_id, channel.name, thread_id=message_id)

    async def grant_role(self, member: MemberRef, role: RoleRef) -> None:
        raise PlatformError(
            f"Slack has no roles, so Hearth cannot give {member.display_name or member.external_id} the role "
            f"{role.name or role.external_id}. On Slack, map each interest to a channel instead: Hearth adds "
            "members to channels."
        )

    async def add_to_channel(self, member: MemberRef, channel: ChannelRef) -> None:
        doing = "add members to that channel"
        try:
            await self._invite(member, channel)
        except SlackApiError as error:
            if error_code(error) != "not_in_channel":
                raise _refusal(error, "try again", doing) from None
            try:
                # Hearth must be in a channel to invite anyone; it may join a public one by itself.
                await self.client.conversations_join(channel=channel.external_id)
            except SlackApiError as join_error:
                if error_code(join_error) == "method_not_supported_for_channel_type":
                    raise PlatformError(
                        "That channel is private and Hearth is not in it, so it cannot add anyone: invite it with "
                        "`/invite @Hearth` in that channel, then try again."
                    ) from None
                raise _refusal(join_error, "try again", "join that channel") from None
            try:
                await self._invite(member, channel)
            except SlackApiError as retry_error:
                raise _refusal(retry_error, "try again", doing) from None

    async def _invite(self, member: MemberRef, channel: ChannelRef) -> None:
        try:
            await self.client.conversations_invite(channel=channel.external_id, users=member.external_id)
        except SlackApiError as error:
            if error_code(error) != "already_in_channel":
                raise


def _notice(reply: Reply | None) -> Reply | None:
    """What to show on top of the App Home after a click there: the answer's words (its card, usually the
    section that was clicked, is on the page below already), or the whole answer when it has no words."""
    if reply is None or not reply.text:
        return reply
    return replace(reply, card=None, buttons=(), select=None)


async def create_slack_platform(hearth: Hearth, settings: Settings) -> SlackPlatform:
    """Check the settings and build the Bolt app for `hearth`; `verify()` then attaches it (call it before serving)."""
    check_settings(settings)
    return SlackPlatform(hearth, settings, aiohttp.ClientSession())
