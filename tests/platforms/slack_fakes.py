"""A local Slack for tests and benchmarks: a mock Web API, signed requests into Bolt, payload builders.

`MockSlackApi` answers `/api/<method>` like Slack's Web API and records every call (response_url posts
and Socket Mode acks too); tests wait on a call with `wait_for`, never on time. `SlackRequests` signs
requests the way Slack does (`v0=` HMAC-SHA256 of `v0:{ts}:{body}`) and posts them into Bolt's aiohttp
app. `running_slack` wires both to a Hearth runtime. Reusable by any feature's Slack tests.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

import aiohttp
from aiohttp import web

from bot.core.runtime import Hearth
from bot.platforms.slack.app import EVENTS_PATH, SlackPlatform, create_slack_platform
from bot.platforms.slack.manifest import BOT_SCOPES
from bot.platforms.slack.settings import SlackSettings

TEAM = "T0HEARTH"
TEAM_NAME = "Hearth Test"
BOT_USER = "UBOT0001"
BOT_TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-test-token"
SIGNING_SECRET = "test-signing-secret"
WAIT_SECONDS = 10.0  # a safety net for a broken test, not a synchronisation


@dataclass
class Upload:
    """A file on its way through files_upload_v2: announced, its bytes received, shared in a conversation."""

    file_id: str
    filename: str
    length: int
    alt_txt: str | None = None
    data: bytes = b""
    channel: str | None = None
    thread_ts: str | None = None


@dataclass(frozen=True)
class Call:
    method: str
    params: dict[str, Any]
    at: float  # time.perf_counter() when the mock received it
    answer: dict[str, Any] = field(default_factory=dict)  # what the mock answered (a posted message's ts)


@dataclass
class SlackUser:
    id: str
    name: str
    is_admin: bool = False
    is_owner: bool = False
    is_bot: bool = False
    is_deleted: bool = False  # deactivated: Slack will not open a conversation with them

    def as_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "team_id": TEAM,
            "name": self.name,
            "is_admin": self.is_admin,
            "is_owner": self.is_owner,
            "is_bot": self.is_bot,
            "deleted": self.is_deleted,
            "profile": {"display_name": self.name, "real_name": self.name.title()},
        }


_NOBODY = SlackUser("", "")


@dataclass
class SlackChannel:
    """A channel as conversations.info describes it to Hearth's bot user."""

    id: str
    name: str
    is_private: bool = False
    is_archived: bool = False
    is_member: bool = False

    def as_api(self, general: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "is_general": self.id == general,
            "is_private": self.is_private,
            "is_archived": self.is_archived,
            "is_member": self.is_member,
        }


@dataclass
class MockSlackApi:
    """Slack's Web API on loopback. Unknown users answer as ordinary members named after their id."""

    users: dict[str, SlackUser] = field(default_factory=dict)
    usergroups: dict[str, list[str]] = field(default_factory=dict)
    # method -> Slack error code to answer with (`{"ok": false, "error": ...}`), e.g. not_in_channel;
    # or the whole error answer, e.g. {"error": "missing_scope", "needed": "groups:write"}.
    errors: dict[str, str | dict[str, Any]] = field(default_factory=dict)
    general_channel: str = "C0GENERAL"  # the workspace's #general: every member is in it
    # Channels Hearth's bot user knows; any other is public and Hearth is not in it (until it joins).
    # A private one it is not in answers channel_not_found, as Slack hides it.
    channels: dict[str, SlackChannel] = field(default_factory=dict)
    # conversations.open with several users: the group DM (mpim) id of each set of users.
    group_dms: dict[frozenset[str], str] = field(default_factory=dict)
    scopes: list[str] = field(default_factory=lambda: list(BOT_SCOPES))
    # method -> a gate its calls wait at until it is set: a Slack that is slow to answer that method.
    held: dict[str, asyncio.Event] = field(default_factory=dict)
    waiting: set[str] = field(default_factory=set)  # held methods a call is waiting at (`wait_until` sees them)
    # method -> how many of its next calls Slack answers 429 `ratelimited` (Retry-After: 0), as a busy channel is.
    rate_limited: dict[str, int] = field(default_factory=dict)
    # method -> how many of its next calls Slack answers 503 with an HTML page, as during an outage.
    unavailable: dict[str, int] = field(default_factory=dict)
    # method -> how many of its next calls lose their connection before any answer (each try of the client's).
    dropped: dict[str, int] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    refused_for_size: list[list[str]] = field(default_factory=list)  # what was answered invalid_blocks, and why
    uploads: dict[str, Upload] = field(default_factory=dict)  # by file id: files_upload_v2's three steps
    url: str = ""
    socket: web.WebSocketResponse | None = None
    socket_connected: asyncio.Event = field(default_factory=asyncio.Event)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _ts: itertools.count = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None

    def user(self, user_id: str, name: str, **flags: bool) -> SlackUser:
        self.users[user_id] = SlackUser(user_id, name, **flags)
        return self.users[user_id]

    def channel(self, channel_id: str, name: str, **flags: bool) -> SlackChannel:
        self.channels[channel_id] = SlackChannel(channel_id, name, **flags)
        return self.channels[channel_id]

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def response_url(self, key: str = "cmd") -> str:
        return f"{self.url}/response/{key}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{key}", self._response_url)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"

    async def stop(self) -> None:
        if self.socket is not None:
            await self.socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # -- recording and waiting -------------------------------------------------------------------------
    async def _record(self, method: str, params: dict[str, Any], answer: dict[str, Any] | None = None) -> None:
        async with self._changed:
            self.calls.append(Call(method, params, time.perf_counter(), answer or {}))
            self._changed.notify_all()

    def called(self, method: str, match: Callable[[Call], bool] = lambda call: True) -> list[Call]:
        return [call for call in self.calls if call.method == method and match(call)]

    async def wait_for(self, method: str, match: Callable[[Call], bool] = lambda call: True, count: int = 1) -> Call:
        """The `count`-th call of `method` that matches, once it has arrived."""

        await self.wait_until(lambda: len(self.called(method, match)) >= count)
        return self.called(method, match)[count - 1]

    async def wait_until(self, arrived: Callable[[], bool]) -> None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(arrived), WAIT_SECONDS)

    # -- the Web API -------------------------------------------------------------------------------------
    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if method in self.held:
            async with self._changed:
                self.waiting.add(method)
                self._changed.notify_all()
            await self.held[method].wait()
        params: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            params.update(await request.json())
        elif request.can_read_body:
            params.update(parse_qsl(await request.text()))
        for key in ("blocks", "view", "users", "files"):
            if isinstance(params.get(key), str) and params[key].startswith(("[", "{")):
                params[key] = json.loads(params[key])
        if self.dropped.get(method):
            self.dropped[method] -= 1
            await self._record(method, params, {"dropped": True})
            assert request.transport is not None
            request.transport.close()  # the client sees the server disconnect, no answer
            return web.Response(status=503)
        if self.unavailable.get(method):
            self.unavailable[method] -= 1
            await self._record(method, params, {"status": 503})
            return web.Response(status=503, text="<html>Service Unavailable</html>", content_type="text/html")
        if self.rate_limited.get(method):
            self.rate_limited[method] -= 1
            answer = {"ok": False, "error": "ratelimited"}
            await self._record(method, params, answer)
            return web.json_response(answer, status=429, headers={"Retry-After": "0"})
        view = params.get("view")
        shown = view.get("blocks") if isinstance(view, dict) else None
        too_big = block_problems(params.get("blocks")) + block_problems(shown, 100)
        if too_big:
            self.refused_for_size.append(too_big)
        error = self.errors.get(method) or self._state_error(method, params) or ("invalid_blocks" if too_big else None)
        if error:
            answer = {"ok": False, **({"error": error} if isinstance(error, str) else error)}
        else:
            answer = {"ok": True, **self._answer(method, params)}
        await self._record(method, params, answer)
        # Slack lists the token's scopes in this header of every Web API answer.
        return web.json_response(answer, headers={"x-oauth-scopes": ",".join(self.scopes)})

    def _state_error(self, method: str, params: dict[str, Any]) -> str | None:
        """What Slack refuses because of a user (deactivated) or a channel (hidden, archived) the mock knows."""
        if method == "conversations.open":
            opened = params["users"].split(",")
            return "user_disabled" if any(self.users.get(user, _NOBODY).is_deleted for user in opened) else None
        channel = self.channels.get(params.get("channel", ""))
        if channel is None:
            return None
        if channel.is_private and not channel.is_member:
            return "channel_not_found"
        if method == "conversations.join" and channel.is_private:
            return "method_not_supported_for_channel_type"
        if method in ("conversations.join", "chat.postMessage") and channel.is_archived:
            return "is_archived"
        return None

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"url": "https://hearth-test.slack.com/", "team": TEAM_NAME, "team_id": TEAM, "user_id": BOT_USER}
        if method == "users.info":
            user_id = params["user"]
            return {"user": self.users.get(user_id, SlackUser(user_id, user_id.lower())).as_api()}
        if method == "usergroups.users.list":
            return {"users": self.usergroups.get(params["usergroup"], [])}
        if method in ("chat.postMessage", "chat.update"):
            ts = params.get("ts") or f"1700000000.{next(self._ts):06d}"
            return {"channel": params["channel"], "ts": ts, "message": {"text": params.get("text", "")}}
        if method == "chat.postEphemeral":
            return {"message_ts": f"1700000000.{next(self._ts):06d}"}
        if method == "conversations.open":
            users = frozenset(params["users"].split(","))
            if len(users) == 1:
                return {"channel": {"id": f"D{params['users']}"}}
            group_dm = self.group_dms.setdefault(users, f"G0MPIM{len(self.group_dms) + 1:03d}")
            return {"channel": {"id": group_dm, "is_mpim": True}}
        if method == "conversations.join":
            channel = self.channels.setdefault(params["channel"], SlackChannel(params["channel"], ""))
            channel.is_member = True
            return {"channel": {"id": params["channel"]}}
        if method == "conversations.invite":
            return {"channel": {"id": params["channel"]}}
        if method in ("views.open", "views.publish"):
            return {"view": {"id": "V0001", **params.get("view", {})}}
        if method == "conversations.info":
            channel = self.channels.get(params["channel"]) or SlackChannel(params["channel"], "")
            return {"channel": channel.as_api(self.general_channel)}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ts):06d}"
            self.uploads[file_id] = Upload(file_id, params["filename"], int(params["length"]), params.get("alt_txt"))
            return {"file_id": file_id, "upload_url": f"{self.url}/upload/{file_id}"}
        if method == "files.completeUploadExternal":
            shared = []
            for item in params["files"]:
                upload = self.uploads[item["id"]]
                upload.channel, upload.thread_ts = params.get("channel_id"), params.get("thread_ts")
                shared.append({"id": upload.file_id, "name": upload.filename, "title": item.get("title")})
            return {"files": shared}
        if method == "apps.connections.open":
            return {"url": f"{self.url.replace('http', 'ws', 1)}/socket"}
        return {}

    async def _upload(self, request: web.Request) -> web.Response:
        """Step 2 of files_upload_v2: the bytes, posted to the URL files.getUploadURLExternal gave."""
        upload = self.uploads[request.match_info["file_id"]]
        upload.data = await request.read()
        await self._record("upload", {"file_id": upload.file_id, "length": len(upload.data)})
        return web.Response(text="OK - " + str(len(upload.data)))

    def shared_files(self, channel: str | None = None) -> list[Upload]:
        """Files uploaded and shared (files.completeUploadExternal), in a conversation or anywhere."""
        return [u for u in self.uploads.values() if u.channel and (channel is None or u.channel == channel)]

    async def _response_url(self, request: web.Request) -> web.Response:
        body = await request.json()
        await self._record("response_url", {"key": request.match_info["key"], **body})
        if too_big := block_problems(body.get("blocks")):
            self.refused_for_size.append(too_big)
            return web.Response(status=400, text="invalid_blocks")
        return web.Response(text="ok")

    # -- Socket Mode -------------------------------------------------------------------------------------
    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        self.socket = socket
        await socket.send_json({"type": "hello", "num_connections": 1, "debug_info": {"host": "mock"}})
        self.socket_connected.set()
        async for message in socket:
            if message.type == aiohttp.WSMsgType.TEXT:
                await self._record("socket_ack", json.loads(message.data))
        return socket

    async def send_envelope(self, envelope_type: str, payload: dict[str, Any], envelope_id: str) -> None:
        """Deliver one Socket Mode envelope (`events_api`, `slash_commands`, `interactive`)."""
        assert self.socket is not None, "no Socket Mode client is connected"
        await self.socket.send_json(
            {
                "envelope_id": envelope_id,
                "type": envelope_type,
                "payload": payload,
                "accepts_response_payload": envelope_type != "events_api",
                "retry_attempt": 0,
                "retry_reason": "",
            }
        )


def block_problems(blocks: Any, most: int = 50) -> list[str]:
    """What of a message's (or a view's: `most` 100) blocks is over Slack's Block Kit limits, for which Slack refuses
    it whole (`invalid_blocks`): over `most` blocks; a section's text over 3,000 characters, over 10 fields or a
    field over 2,000; a header over 150; an actions block over 25 elements or a button's text over 75; an input whose
    initial_value is longer than its max_length (Slack says `invalid_arguments` for that one; either is a refusal)."""
    if not isinstance(blocks, list):
        return []
    problems = [f"over {most} blocks"] if len(blocks) > most else []
    for index, block in enumerate(blocks):
        text = (block.get("text") or {}).get("text") or ""
        if block.get("type") == "section" and len(text) > 3000:
            problems.append(f"block {index}: a section's text over 3000 characters")
        if block.get("type") == "header" and len(text) > 150:
            problems.append(f"block {index}: a header over 150 characters")
        fields = block.get("fields") or []
        if len(fields) > 10 or any(len(field["text"]) > 2000 for field in fields):
            problems.append(f"block {index}: over 10 fields, or a field over 2000 characters")
        elements = (block.get("elements") or []) if block.get("type") == "actions" else []
        if len(elements) > 25 or any(len((e.get("text") or {}).get("text") or "") > 75 for e in elements):
            problems.append(f"block {index}: over 25 elements, or a button's text over 75 characters")
        element = block.get("element") or {}
        if len(element.get("initial_value") or "") > element.get("max_length", 3000):
            problems.append(f"block {index}: an input's initial_value longer than its max_length")
    return problems


def sign(body: str, timestamp: int, secret: str = SIGNING_SECRET) -> str:
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return f"v0={digest}"


# -- payloads, as Slack sends them -------------------------------------------------------------------------
_triggers = itertools.count(1)


def command_payload(
    command: str, text: str, user: str, *, channel: str = "C0GENERAL", response_url: str = "", user_name: str = ""
) -> dict[str, str]:
    return {
        "token": "legacy",
        "team_id": TEAM,
        "team_domain": "hearth-test",
        "channel_id": channel,
        "channel_name": "general",
        "user_id": user,
        "user_name": user_name or user.lower(),
        "command": command,
        "text": text,
        "api_app_id": "A0HEARTH",
        "response_url": response_url,
        "trigger_id": f"{next(_triggers)}.trigger",
    }


def event_payload(event: dict[str, Any], event_id: str) -> dict[str, Any]:
    return {
        "token": "legacy",
        "team_id": TEAM,
        "api_app_id": "A0HEARTH",
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
    }


def message_event(user: str, text: str, ts: str, *, channel: str = "C0GENERAL", **extra: Any) -> dict[str, Any]:
    return {"type": "message", "user": user, "text": text, "ts": ts, "channel": channel, "team": TEAM, **extra}


def block_action_payload(
    user: str, action: dict[str, Any], *, channel: str = "C0GENERAL", response_url: str = ""
) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "hearth-test"},
        "user": {"id": user, "username": user.lower(), "team_id": TEAM},
        "api_app_id": "A0HEARTH",
        "trigger_id": f"{next(_triggers)}.trigger",
        "container": {"type": "message", "message_ts": "1700000000.000001", "channel_id": channel},
        "channel": {"id": channel, "name": "general"},
        "response_url": response_url,
        "actions": [action],
    }


def view_submission_payload(
    user: str, callback_id: str, values: dict[str, str], metadata: str, blocks: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    state = {name: {name: {"type": "plain_text_input", "value": value}} for name, value in values.items()}
    return {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "hearth-test"},
        "user": {"id": user, "username": user.lower(), "team_id": TEAM},
        "api_app_id": "A0HEARTH",
        "trigger_id": f"{next(_triggers)}.trigger",
        "view": {
            "id": f"V{next(_triggers):04d}",
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": metadata,
            "blocks": blocks or [],
            "state": {"values": state},
        },
    }


def submission_of(opened: Call, user: str, typed: dict[str, str]) -> dict[str, Any]:
    """The `view_submission` Slack sends for the modal `opened` (a views.open call): the view as opened,
    with what the person typed; inputs they left alone keep their initial value, as in Slack's client."""
    view = opened.params["view"]
    values = {
        block["block_id"]: typed.get(block["block_id"], block["element"].get("initial_value", ""))
        for block in view["blocks"]
        if block["type"] == "input"
    }
    return view_submission_payload(user, view["callback_id"], values, view["private_metadata"], view["blocks"])


def team_join_event(user: SlackUser) -> dict[str, Any]:
    return {"type": "team_join", "user": user.as_api()}


def member_joined_channel_event(user: str, channel: str = "C0GENERAL") -> dict[str, Any]:
    return {"type": "member_joined_channel", "user": user, "channel": channel, "channel_type": "C", "team": TEAM}


def app_home_opened_event(user: str, tab: str = "home") -> dict[str, Any]:
    return {"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": tab}


def home_action_payload(user: str, action: dict[str, Any]) -> dict[str, Any]:
    """A button or menu on the App Home: no channel and no response_url, the view instead."""
    payload = block_action_payload(user, action)
    del payload["channel"], payload["response_url"]
    payload["container"] = {"type": "view", "view_id": "V0HOME"}
    payload["view"] = {"id": "V0HOME", "type": "home"}
    return payload


@dataclass
class SlackRequests:
    """Posts signed requests into Bolt's web app, as Slack's servers do."""

    url: str
    session: aiohttp.ClientSession
    secret: str = SIGNING_SECRET

    async def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> aiohttp.ClientResponse:
        moment = int(time.time()) if timestamp is None else timestamp
        signed = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": str(moment),
            "X-Slack-Signature": signature or sign(body, moment, self.secret),
            **(headers or {}),
        }
        async with self.session.post(self.url, data=body.encode(), headers=signed) as response:
            await response.read()
            return response

    async def command(self, payload: dict[str, str], **options: Any) -> aiohttp.ClientResponse:
        return await self.post(urlencode(payload), "application/x-www-form-urlencoded", **options)

    async def event(self, payload: dict[str, Any], *, retry: int = 0, **options: Any) -> aiohttp.ClientResponse:
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else {}
        return await self.post(json.dumps(payload), "application/json", headers=headers, **options)

    async def interaction(self, payload: dict[str, Any], **options: Any) -> aiohttp.ClientResponse:
        body = urlencode({"payload": json.dumps(payload)})
        return await self.post(body, "application/x-www-form-urlencoded", **options)


@dataclass
class SlackHarness:
    platform: SlackPlatform
    api: MockSlackApi
    requests: SlackRequests

    async def command(self, command: str, text: str, user: str, **options: Any) -> Call:
        """Run a slash command and return the first answer it produced (a post, an ephemeral or a modal)."""
        key = f"cmd{next(_triggers)}"
        payload = command_payload(command, text, user, response_url=self.api.response_url(key), **options)
        before = len(self.api.calls)
        response = await self.requests.command(payload)
        assert response.status == 200, response.status
        answers = ("chat.postMessage", "chat.postEphemeral", "response_url", "views.open")

        def new_answers() -> list[Call]:
            return [call for call in self.api.calls[before:] if call.method in answers]

        await self.api.wait_until(lambda: bool(new_answers()))
        return new_answers()[0]


@asynccontextmanager
async def mock_slack_api() -> AsyncIterator[MockSlackApi]:
    api = MockSlackApi()
    await api.start()
    try:
        yield api
    finally:
        await api.stop()


def slack_settings(api: MockSlackApi, **settings: Any) -> SlackSettings:
    values = {
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": api.api_url,
        "slack_app_token": "",
        "hearth_http_port": 0,
        **settings,
    }
    return SlackSettings(**values)


@asynccontextmanager
async def running_slack(hearth: Hearth, api: MockSlackApi, **settings: Any) -> AsyncIterator[SlackHarness]:
    """Hearth on Slack in HTTP mode (port 0), its Web API client pointed at `api`; Hearth's start hooks
    (a ritual's catch-up) have run when it is yielded."""
    platform = await create_slack_platform(hearth, slack_settings(api, **settings))
    runner: web.AppRunner | None = None
    try:
        await platform.verify()
        await hearth.hooks_done()
        runner = await platform.start_http("127.0.0.1", 0)
        host, port = runner.addresses[0][:2]
        async with aiohttp.ClientSession() as session:
            yield SlackHarness(platform, api, SlackRequests(f"http://{host}:{port}{EVENTS_PATH}", session))
    finally:
        if runner is not None:
            await runner.cleanup()
        await platform.close()


@asynccontextmanager
async def running_slack_socket_mode(hearth: Hearth, api: MockSlackApi) -> AsyncIterator[SlackPlatform]:
    """Hearth on Slack in Socket Mode: `apps.connections.open` on `api` hands out its own websocket."""
    platform = await create_slack_platform(hearth, slack_settings(api, slack_app_token=APP_TOKEN))
    try:
        await platform.verify()
        await hearth.hooks_done()
        handler = await platform.start_socket_mode(APP_TOKEN)
        try:
            await asyncio.wait_for(api.socket_connected.wait(), WAIT_SECONDS)
            yield platform
        finally:
            await handler.close_async()
    finally:
        await platform.close()
