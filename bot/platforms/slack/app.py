"""Slack, through Bolt: the app wiring. Slash commands, events and interactivity in; Block Kit out.

Built by `create_slack_platform(hearth, settings)` (no module-level app, so tests run the real thing).
The jobs live beside it: `guard` (HTTP requests checked before parsing), `interactions` (commands, clicks
and forms into the core's inbound pipeline), `events` (events as neutral events), `people` (names and
permission levels), `messenger` (the Messenger), `text` (Slack's markup as plain text), `blocks`.

Slack redelivers an event it thinks we missed (`X-Slack-Retry-Num`) and Bolt does not deduplicate.
Hearth does, twice over: a middleware after Bolt's signature check keeps a bounded in-memory set of
recent `event_id`s (`RecentIds`) and answers a redelivery before anything is dispatched (one arriving while the
event is still being handled is not acknowledged, by the HTTP guard or `OneDeliveryAtATime` in Socket Mode: Slack
tries again once its fate is known); and
whatever an event awards carries a ledger idempotency key (a message's `ts`), so a redelivery after a restart,
when the set is empty again, still awards nothing.
"""

from __future__ import annotations

import asyncio
import errno
import functools
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler, async_default_handlers
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.events import CommunityAdded
from bot.core.failures import database_unavailable, reason
from bot.core.recent import RecentIds
from bot.core.refs import CommunityRef
from bot.core.runtime import Hearth
from bot.platforms.slack.events import SlackEvents
from bot.platforms.slack.guard import NotKept, guard, parsed_problem
from bot.platforms.slack.interactions import SlackInteractions
from bot.platforms.slack.manifest import BOT_SCOPES, LATER_SCOPES
from bot.platforms.slack.messenger import SlackMessenger, error_code
from bot.platforms.slack.people import People
from bot.platforms.slack.settings import SlackSettings
from config.settings import SettingsError

if TYPE_CHECKING:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
RATE_LIMIT_RETRIES = 3  # times a call Slack rate-limits (429) is sent again, each after Slack's Retry-After
RECENT_EVENTS = 10_000  # event ids remembered for deduplication (Slack retries within minutes)


def _not_about_the_token_unused(record: logging.LogRecord) -> bool:
    """Bolt reads SLACK_BOT_TOKEN from the environment itself and, given Hearth's client too, warns at every start
    that the token "will be unused": the client carries that very token, so there is nothing to act on."""
    return "`token` will be unused" not in record.getMessage()


class SlackPlatform:
    """The Bolt app wired to a Hearth runtime; `messenger` is Hearth's Messenger on Slack."""

    def __init__(self, hearth: Hearth, settings: SlackSettings, session: aiohttp.ClientSession) -> None:
        self.hearth = hearth
        self.settings = settings
        self.session = session
        self.client = AsyncWebClient(
            token=settings.slack_bot_token,
            base_url=settings.slack_api_url or AsyncWebClient.BASE_URL,
            session=session,
            # Slack answers 429 with Retry-After when a method's or a channel's pace is exceeded (about a
            # message a second per channel): wait as it says and send again, rather than fail a ritual's post,
            # a welcome or an announcement as if Slack had refused it.
            retry_handlers=[
                *async_default_handlers(),
                AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
            ],
        )
        # Events are handled before Slack gets its 200, so that what Slack was told we have is within the
        # activity buffer's bound (bot/core/ingest.py); commands and clicks are answered first and run
        # after (`SlackInteractions.after_ack`), as Slack's 3-second limit asks.
        # A name given: without one Bolt finds its caller's file name with `inspect.stack()`, which reads the
        # source of every frame (a tenth of start-up here).
        logging.getLogger("slack_bolt.AsyncApp").addFilter(_not_about_the_token_unused)
        self.app = AsyncApp(
            name="hearth",
            client=self.client,
            signing_secret=settings.slack_signing_secret or "",
            process_before_response=True,
        )
        self.team_id = ""
        self.team_name = ""
        self.bot_user_id = ""
        self.people = People(self.client, settings.slack_moderator_group_ids(), hearth.services.identity.member)
        self.messenger = SlackMessenger(self.client, functools.partial(self.people.level, strict=True))
        self.interactions = SlackInteractions(self)
        self.events = SlackEvents(self)
        self._recent = RecentIds(RECENT_EVENTS)
        # Socket Mode: envelopes handled while stopping, after the connection closed, so never acknowledged.
        self.unacknowledged_at_stop = 0
        self.app.middleware(self._drop_redeliveries)
        self.app.error(self._listener_failed)
        self.interactions.register()
        self.events.register()

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
            if later := [scope for scope in missing if scope in LATER_SCOPES]:
                log.warning(
                    "the Slack app lacks the scope(s) %s: files (rank cards) cannot be shared until it is "
                    "reinstalled from `hearth slack-manifest`",
                    ", ".join(later),
                )
                missing = [scope for scope in missing if scope not in LATER_SCOPES]
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
        self.hearth.attach(self.messenger)
        # A token for the workspace is Hearth (re)installed there: a pending deletion of its data is cancelled.
        now = datetime.now(UTC).isoformat()
        await self.hearth.dispatch(CommunityAdded(f"added:{self.team_id}:{now}", self.community(self.team_id)))

    async def start_http(self, host: str, port: int) -> web.AppRunner:
        """Bolt's own aiohttp app at /slack/events, behind `guard`; port 0 picks a free one. A port Hearth cannot
        listen on (another program's, or another Hearth's) stops it with one line, as a bad setting does: aiohttp's
        refusal was a traceback."""
        web_app = self.app.web_app(path=EVENTS_PATH, port=port)
        web_app.middlewares.append(guard(self.settings.slack_signing_secret or "", light=self._light))
        runner = web.AppRunner(web_app)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError as error:
            await runner.cleanup()
            why = (
                "another program (or another Hearth) listens on it"
                if error.errno == errno.EADDRINUSE
                else error.strerror or str(error)
            )
            raise SettingsError(
                f"HEARTH_HTTP_PORT={port}: cannot listen on this port: {why}; choose another port"
            ) from None
        return runner

    async def start_socket_mode(self, app_token: str) -> AsyncSocketModeHandler:
        # Imported only here: HTTP mode never needs Socket Mode's client (a third of Bolt's import time).
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
        from slack_bolt.adapter.socket_mode.async_internals import run_async_bolt_app, send_async_response

        handling: set[str] = set()  # the event ids of deliveries being handled now
        platform = self

        class OneDeliveryAtATime(AsyncSocketModeHandler):
            """As the HTTP guard does: a redelivery arriving while the first delivery of its event is still being
            handled is not acknowledged (Slack sends it again later), since a 200 would end Slack's tries before
            it is known whether the first is kept. An envelope handled once the connection is closed (a stop) or
            closing is not acknowledged either, and counted (`unacknowledged_at_stop`), not logged as a failure:
            Slack sends an event again, and its redelivery awards nothing twice (the ledger's idempotency keys)."""

            async def handle(self, client: Any, req: Any) -> None:
                payload = req.payload if req.type == "events_api" and isinstance(req.payload, dict) else {}
                event_id = str(payload["event_id"]) if payload.get("event_id") else None
                if event_id is not None:
                    if event_id in handling:
                        log.info("a redelivery of Slack event %s arrived while it is still being handled", event_id)
                        return
                    handling.add(event_id)
                try:
                    await self._handle_and_acknowledge(client, req)
                finally:
                    if event_id is not None:
                        handling.discard(event_id)

            async def _handle_and_acknowledge(self, client: Any, req: Any) -> None:
                """Bolt's own `handle`, but an acknowledgement the closed connection cannot carry is not tried
                (Bolt logged each such failure with a traceback: some 2,000 at a stop during a burst)."""
                start = time.time()
                response = await run_async_bolt_app(self.app, req)
                if not client.closed:
                    try:
                        await send_async_response(client, req, response, start)
                        return
                    except ConnectionError:  # the connection went as the answer was sent: stopping, or replaced
                        if not client.closed:
                            log.warning(
                                "Slack envelope %s handled but not acknowledged (the connection was lost); "
                                "Slack sends it again",
                                req.envelope_id,
                            )
                            return
                platform.unacknowledged_at_stop += 1

        # What `guard` checks of an HTTP body, checked here of the parsed payload: Socket Mode bypasses the guard.
        self.app.middleware(self._refuse_misshapen)
        handler = OneDeliveryAtATime(self.app, app_token, web_client=self.client)
        # The first connection's URL is asked for here, as auth.test asks of the bot token: Socket Mode's client
        # tries again every 10 seconds for ever whatever Slack answers, with a traceback each time, so an app token
        # Slack refuses (revoked, another app's, without connections:write) never said so.
        try:
            opened = await self.client.apps_connections_open(app_token=app_token)
        except SlackApiError as error:
            if error_code(error) != "ratelimited":  # busy: the client's own tries go on
                raise SettingsError(
                    f"Slack refused SLACK_APP_TOKEN (apps.connections.open: {error_code(error)}). Create an "
                    "app-level token with the scope connections:write under the app's Basic Information > "
                    "App-Level Tokens and put it (xapp-...) in SLACK_APP_TOKEN."
                ) from None
        else:
            handler.client.wss_uri = str(opened["url"])
        try:
            await handler.connect_async()
        except asyncio.CancelledError:  # stopped while it tries again: its own session is closed, not leaked
            await handler.close_async()
            raise
        return handler

    async def close(self) -> None:
        await self.people.close()
        await self.session.close()

    def community(self, team_id: str) -> CommunityRef:
        return CommunityRef("slack", team_id, self.team_name if team_id == self.team_id else "")

    async def _light(self, body: dict[str, Any]) -> bool:
        """A message event, handled without Bolt once the guard has checked its signature (guard.py says
        why); True when handled. Everything else (commands, clicks, forms, other events) goes on to Bolt.

        What Bolt would do for it is done here: redeliveries are dropped as `_drop_redeliveries` drops
        them, the bot's own messages are ignored, and the 200 goes out only after the dispatch returned
        (as with `process_before_response`), so the event is within the activity buffer's bound.
        """
        event = body.get("event")
        if body.get("type") != "event_callback" or not isinstance(event, dict) or event.get("type") != "message":
            return False
        event_id = body.get("event_id")
        if not event_id:
            return False
        event_id = str(event_id)
        if not self._recent.first_time(event_id):
            log.info("dropped a redelivery of Slack event %s", event_id)
            return True
        if self.bot_user_id and event.get("user") == self.bot_user_id:
            return True
        await self.hearth.hooks_done()  # as every event (`_drop_redeliveries`)
        try:
            await self.events.message(body, event)
        except NotKept:
            self._recent.forget(event_id)  # Slack's redelivery is to be handled, not dropped
            raise
        return True

    async def _refuse_misshapen(
        self, body: dict[str, Any], next_: Callable[[], Awaitable[None]]
    ) -> BoltResponse | None:
        """Socket Mode: a payload missing a field Slack always sends, or with one of another type, is refused
        with one line (its listener would fail with a traceback), as `guard` refuses such an HTTP request."""
        if why := parsed_problem(body):
            log.warning("refused a Slack payload over Socket Mode: %s", why)
            return BoltResponse(status=400, body="")
        await next_()
        return None

    async def _listener_failed(self, error: Exception, body: dict[str, Any], logger: logging.Logger) -> None:
        """Bolt's handler for a listener that raised; Bolt answers 500 (Slack sends an event again). An event not
        kept because the database was locked or out of reach (`NotKept`, or a listener's own read failing so) is one
        warning line, and its id is forgotten so that the redelivery is handled, not dropped as one; anything else
        is logged as Bolt logs it, with its traceback."""
        if isinstance(error, NotKept) or database_unavailable(error):
            event_id = body.get("event_id") if isinstance(body, dict) else None
            if event_id:
                self._recent.forget(str(event_id))
            log.warning("%s", error if isinstance(error, NotKept) else f"a Slack event not kept: {reason(error)}")
            return
        logger.exception(f"Failed to run listener function (error: {error})")

    async def _drop_redeliveries(
        self, body: dict[str, Any], next_: Callable[[], Awaitable[None]]
    ) -> BoltResponse | None:
        """Middleware after Bolt's signature check: a redelivered event is answered 200 and goes no further.

        Deciding here, before the response, means nothing of a redelivery is ever scheduled. An event waits for
        the start-up catch-up (Hearth's start hooks), as on Discord: a reply to a missed ritual run being posted
        would otherwise race it. Its 200 waits too, so a long catch-up makes Slack redeliver (that one is not
        acknowledged while the first is still being handled: the HTTP guard, `OneDeliveryAtATime`). (Commands and
        clicks are answered at once and wait after, `SlackInteractions`.)
        """
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not self._recent.first_time(str(event_id)):
            log.info("dropped a redelivery of Slack event %s", event_id)
            return BoltResponse(status=200, body="")
        if event_id:
            await self.hearth.hooks_done()
        await next_()
        return None


async def create_slack_platform(hearth: Hearth, settings: SlackSettings) -> SlackPlatform:
    """Check the settings and build the Bolt app for `hearth`; `verify()` then attaches it (call it before serving)."""
    settings.check()
    return SlackPlatform(hearth, settings, aiohttp.ClientSession())
