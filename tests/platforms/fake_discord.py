"""A local fake Discord (gateway + REST) for the real discord.py client, on loopback, port 0.

Tests drive it: `dispatch()` sends a gateway event to the connected bot, `wait_for()` waits until the
bot has made a REST call that matches. Every REST call is recorded (method, path, query, JSON body —
`payload_json` for multipart uploads — and uploaded file names). Payloads come from discord_payloads.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import discord
import yarl
from aiohttp import WSMsgType, web

from tests.platforms import discord_payloads as p

API = "/api/v10"
WAIT_SECONDS = 10  # a safety net only: the tests wait for events, never for time


@dataclass
class Call:
    method: str
    path: str  # without /api/v10
    query: dict[str, str]
    body: Any
    files: list[str] = field(default_factory=list)
    size: int = 0  # bytes of the uploaded files
    received_at: float = field(default_factory=time.perf_counter)  # when the request arrived
    created: dict[str, Any] | None = None  # the message or thread the fake created for this call
    status: int = 0  # the fake's HTTP answer

    @property
    def json(self) -> dict[str, Any]:
        assert isinstance(self.body, dict), self.body
        return self.body


Handler = Callable[[re.Match[str], Call], Awaitable[web.Response]]


def json_response(data: Any, status: int = 200) -> web.Response:
    # discord.py parses a body only when Content-Type is exactly application/json (no charset).
    return web.Response(body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"})


def empty() -> web.Response:
    return web.Response(status=204)


class FakeDiscord:
    def __init__(self, world: p.DiscordWorld, token: str = "fake.bot.token") -> None:
        self.world = world
        self.token = token
        self.allow_privileged_intents = True
        self.closed_dms: set[str] = set()  # user ids whose DMs are closed
        self.forbid: set[str] = set()  # call kinds answered 403 / 50013 Missing Permissions: "roles", "permissions"
        # Servers whose commands Hearth may not register (not in them, or invited without applications.commands).
        self.no_access: set[str] = set()
        # Call kinds Discord answers 503 Service Unavailable (an outage; discord.py does not retry a 503): "dms".
        self.unavailable: set[str] = set()
        self.rate_limit_once: set[str] = set()  # call kinds answered 429 once (retry_after 0.05s): "roles"
        self.deleted_messages: set[str] = set()  # message ids deleted (by a moderator): editing one is Unknown Message
        # Bytes of files one message may carry (Discord's 10 MiB for a bot; None: any), else 413 Entity too large.
        self.upload_limit: int | None = None
        self.refused_for_size: list[list[str]] = []  # messages answered 400 for being over Discord's limits, and why
        self.calls: list[Call] = []
        self.identified = asyncio.Event()  # a bot's IDENTIFY was accepted (READY follows once ready_gate is set)
        self.ready_gate = asyncio.Event()  # clear it to hold READY back, as a slow Discord would
        self.ready_gate.set()
        self.ready_at: list[int] = []  # len(calls) when each READY was sent: what came before, came before it
        self._changed = asyncio.Condition()
        self._sockets: list[web.WebSocketResponse] = []
        self._sequence = 0
        self._answered: set[str] = set()
        self._dm_channels: dict[str, str] = {}  # channel id -> user id
        self._runner: web.AppRunner | None = None
        self.url = ""
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = [
            ("GET", re.compile(r"/users/@me"), self._me),
            ("GET", re.compile(r"/oauth2/applications/@me"), self._application),
            ("GET", re.compile(r"/gateway(/bot)?"), self._gateway_info),
            ("PUT", re.compile(r"/applications/\d+(/guilds/(?P<guild>\d+))?/commands"), self._sync),
            ("POST", re.compile(r"/interactions/(?P<id>\d+)/(?P<token>[^/]+)/callback"), self._callback),
            ("POST", re.compile(r"/webhooks/\d+/[^/]+"), self._followup),
            ("PATCH", re.compile(r"/webhooks/\d+/[^/]+/messages/(@original|\d+)"), self._followup),
            ("DELETE", re.compile(r"/webhooks/\d+/[^/]+/messages/(@original|\d+)"), self._no_content),
            ("POST", re.compile(r"/users/@me/channels"), self._open_dm),
            ("POST", re.compile(r"/channels/(?P<channel>\d+)/messages"), self._post_message),
            ("PATCH", re.compile(r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)"), self._edit_message),
            ("DELETE", re.compile(r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)"), self._delete_message),
            ("POST", re.compile(r"/channels/(?P<channel>\d+)/messages/\d+/threads"), self._thread),
            ("PUT", re.compile(r"/guilds/\d+/members/(?P<user>\d+)/roles/(?P<role>\d+)"), self._grant_role),
            ("DELETE", re.compile(r"/guilds/\d+/members/(?P<user>\d+)/roles/(?P<role>\d+)"), self._remove_role),
            ("PUT", re.compile(r"/channels/\d+/permissions/\d+"), self._refusable("permissions")),
            ("GET", re.compile(r"/users/(?P<user>\d+)"), self._user),
            ("GET", re.compile(r"/channels/(?P<channel>\d+)"), self._channel),
            ("PATCH", re.compile(r"/channels/(?P<channel>\d+)"), self._edit_thread),
            ("GET", re.compile(r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)"), self._message),
        ]

    # -- lifecycle -------------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", API + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    async def close(self) -> None:
        for socket in list(self._sockets):
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @contextlib.contextmanager
    def patched(self) -> Iterator[None]:
        """Point discord.py's REST base and default gateway here, for the duration."""
        route_base = discord.http.Route.BASE
        gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        discord.http.Route.BASE = self.url + API
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.ws_url)
        try:
            yield
        finally:
            discord.http.Route.BASE = route_base
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/gateway"

    # -- driving the bot ---------------------------------------------------------------------------
    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a gateway event (INTERACTION_CREATE, MESSAGE_CREATE, ...) to every connected bot."""
        self._sequence += 1
        for socket in self._sockets:
            await socket.send_str(json.dumps(p.dispatch(event, data, self._sequence)))

    async def wait_for(self, predicate: Callable[[Call], bool], *, after: int = 0) -> Call:
        """The first recorded call (from index `after`) that matches, waiting for it if need be."""

        def found() -> Call | None:
            return next((call for call in self.calls[after:] if predicate(call)), None)

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: found() is not None), WAIT_SECONDS)
        call = found()
        assert call is not None
        return call

    async def interact(self, payload: dict[str, Any]) -> Call:
        """Deliver an interaction and return Hearth's callback to it."""
        start = len(self.calls)
        await self.dispatch("INTERACTION_CREATE", payload)
        return await self.wait_for(lambda call: call.path.startswith(f"/interactions/{payload['id']}/"), after=start)

    def calls_to(self, method: str, pattern: str) -> list[Call]:
        return [call for call in self.calls if call.method == method and re.fullmatch(pattern, call.path)]

    def posted_in(self, channel: str) -> list[Call]:
        """Messages Hearth posted in a channel of the world, by name."""
        return self.calls_to("POST", rf"/channels/{self.world.channels[channel]['id']}/messages")

    def dms_to(self, name: str) -> list[Call]:
        """Messages Hearth sent (or tried to send) to a member's direct messages."""
        user_id = self.world.id(name)
        return [
            call
            for call in self.calls_to("POST", r"/channels/\d+/messages")
            if self._dm_channels.get(call.path.split("/")[2]) == user_id
        ]

    def roles_granted(self) -> list[tuple[str, str]]:
        """(member, role) names of every role Hearth gave (Discord accepted), in order."""
        granted = []
        for call in self.calls_to("PUT", r"/guilds/\d+/members/\d+/roles/\d+"):
            if call.status >= 400:
                continue
            parts = call.path.split("/")  # /guilds/{guild}/members/{user}/roles/{role}
            granted.append((self.world.user_name(parts[4]), self.world.role_name(parts[6])))
        return granted

    # -- gateway -----------------------------------------------------------------------------------
    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        await socket.send_str(json.dumps(p.hello()))
        async for frame in socket:
            if frame.type is not WSMsgType.TEXT:
                break
            message = json.loads(frame.data)
            if message["op"] == 1:  # heartbeat
                await socket.send_str(json.dumps(p.heartbeat_ack()))
            elif message["op"] == 2:  # identify
                await self._identify(socket, message["d"])
        if socket in self._sockets:
            self._sockets.remove(socket)
        return socket

    async def _identify(self, socket: web.WebSocketResponse, data: dict[str, Any]) -> None:
        if data["token"] != self.token:
            await socket.close(code=4004, message=b"Authentication failed.")
            return
        privileged = p.MEMBERS_INTENT | p.MESSAGE_CONTENT_INTENT
        if data.get("intents", 0) & privileged and not self.allow_privileged_intents:
            await socket.close(code=4014, message=b"Disallowed intent(s).")
            return
        self.identified.set()
        await self.ready_gate.wait()
        self._sockets.append(socket)
        self._sequence += 1
        self.ready_at.append(len(self.calls))
        await socket.send_str(json.dumps(p.dispatch("READY", p.ready(self.world, self.ws_url), self._sequence)))
        if not self.world.kicked:
            await self.dispatch("GUILD_CREATE", p.guild_create(self.world))

    # -- REST --------------------------------------------------------------------------------------
    async def _rest(self, request: web.Request) -> web.Response:
        call = await self._record(request)
        # Interaction callbacks and webhooks are authorised by the token in their path.
        token_in_path = call.path.startswith(("/interactions/", "/webhooks/"))
        if not token_in_path and request.headers.get("Authorization") != f"Bot {self.token}":
            response = json_response(p.error(0, "401: Unauthorized"), 401)
        else:
            response = json_response(p.error(0, f"no fake for {call.method} {call.path}"), 404)
            # What Discord refuses whole for its size: an interaction callback's message is its `data`.
            message = (call.body or {}).get("data") if call.path.startswith("/interactions/") else call.body
            if too_big := p.over_limits(message):
                self.refused_for_size.append(too_big)
                response = json_response(p.error(50035, f"Invalid Form Body: {'; '.join(too_big)}"), 400)
            elif self.upload_limit is not None and call.size > self.upload_limit:
                too_big = [f"{call.size} bytes of files"]
                self.refused_for_size.append(too_big)
                response = json_response(p.error(40005, "Request entity too large"), 413)
            for method, pattern, handler in [] if too_big else self._routes:
                match = pattern.fullmatch(call.path)
                if method == call.method and match:
                    response = await handler(match, call)
                    break
        call.status = response.status
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()
        return response

    @staticmethod
    async def _record(request: web.Request) -> Call:
        arrived = time.perf_counter()
        path = request.path[len(API) :]
        query = dict(request.query)
        if request.content_type.startswith("multipart/"):
            body: Any = None
            files: list[str] = []
            size = 0
            reader = await request.multipart()
            async for part in reader:
                if part.name == "payload_json":  # type: ignore[union-attr]
                    body = json.loads(await part.text())  # type: ignore[union-attr]
                else:
                    files.append(part.filename or "")  # type: ignore[union-attr]
                    size += len(await part.read())  # type: ignore[union-attr]
            return Call(request.method, path, query, body, files, size, arrived)
        raw = await request.read()
        return Call(request.method, path, query, json.loads(raw) if raw else None, received_at=arrived)

    async def _me(self, match: re.Match[str], call: Call) -> web.Response:
        return json_response(self.world.users["hearth"])

    async def _application(self, match: re.Match[str], call: Call) -> web.Response:
        return json_response(p.application(self.world))

    async def _gateway_info(self, match: re.Match[str], call: Call) -> web.Response:
        return json_response(p.gateway_bot(self.ws_url))

    async def _sync(self, match: re.Match[str], call: Call) -> web.Response:
        if match.group("guild") in self.no_access:
            return json_response(p.error(50001, "Missing Access"), 403)
        return json_response(p.synced_commands(self.world, call.body, match.group("guild")))

    async def _callback(self, match: re.Match[str], call: Call) -> web.Response:
        interaction_id = match.group("id")
        if interaction_id in self._answered:
            return json_response(p.error(40060, "Interaction has already been acknowledged."), 400)
        self._answered.add(interaction_id)
        kind = call.json["type"]
        data = call.json.get("data") or {}
        created = None
        if kind in (4, 5):
            created = p.bot_message(self.world, self.world.channels["general"]["id"], data)
        return json_response(p.interaction_callback(interaction_id, kind, data.get("flags") or 0, created))

    async def _followup(self, match: re.Match[str], call: Call) -> web.Response:
        return json_response(p.bot_message(self.world, self.world.channels["general"]["id"], call.body or {}))

    async def _no_content(self, match: re.Match[str], call: Call) -> web.Response:
        return empty()

    async def _open_dm(self, match: re.Match[str], call: Call) -> web.Response:
        recipient = call.json["recipient_id"]
        person = next(u for u in self.world.users.values() if u["id"] == str(recipient))
        channel = p.dm_channel(person)
        self._dm_channels[channel["id"]] = person["id"]
        return json_response(channel)

    async def _post_message(self, match: re.Match[str], call: Call) -> web.Response:
        channel_id = match.group("channel")
        if "dms" in self.unavailable and channel_id in self._dm_channels:
            return web.Response(status=503, text="upstream connect error", content_type="text/plain")
        if self._dm_channels.get(channel_id) in self.closed_dms:
            return json_response(p.error(50007, "Cannot send messages to this user"), 403)
        if any(c["id"] == channel_id and c["type"] in (p.CATEGORY, p.FORUM) for c in self.world.channels.values()):
            return json_response(p.error(50008, "Cannot send messages in a non-text channel"), 400)
        may = p.VIEW_CHANNEL | p.SEND_MESSAGES
        in_dm = channel_id in self._dm_channels
        if not in_dm and self.world.channel_permissions("hearth", channel_id) & may != may:
            return json_response(p.error(50013, "Missing Permissions"), 403)
        call.created = p.bot_message(self.world, channel_id, call.body or {})
        return json_response(call.created)

    async def _edit_message(self, match: re.Match[str], call: Call) -> web.Response:
        if match.group("message") in self.deleted_messages:
            return json_response(p.error(10008, "Unknown Message"), 404)
        return await self._post_message(match, call)

    async def _delete_message(self, match: re.Match[str], call: Call) -> web.Response:
        if match.group("message") in self.deleted_messages:
            return json_response(p.error(10008, "Unknown Message"), 404)
        self.deleted_messages.add(match.group("message"))
        return empty()

    async def _message(self, match: re.Match[str], call: Call) -> web.Response:
        """A message of the world (`world.messages`) in that channel, else Discord's Unknown Message."""
        found = self.world.messages.get(match.group("message"))
        if found is None or found["channel_id"] != match.group("channel"):
            return json_response(p.error(10008, "Unknown Message"), 404)
        return json_response(found)

    async def _thread(self, match: re.Match[str], call: Call) -> web.Response:
        parent = next(c for c in self.world.channels.values() if c["id"] == match.group("channel"))
        call.created = p.thread(call.json["name"], parent, self.world.id("hearth"))
        self.world.threads.append(call.created)
        # Discord also tells the gateway: the thread's creator is its first member.
        await self.dispatch("THREAD_CREATE", p.thread_create(call.created))
        return json_response(call.created)

    async def _remove_role(self, match: re.Match[str], call: Call) -> web.Response:
        if "roles" in self.forbid:
            return json_response(p.error(50013, "Missing Permissions"), 403)
        name = self.world.user_name(match.group("user"))
        roles = self.world.member_roles.setdefault(name, [])
        if self.world.role_name(match.group("role")) in roles:
            roles.remove(self.world.role_name(match.group("role")))
            await self.dispatch("GUILD_MEMBER_UPDATE", p.member_update(self.world, name))
        return empty()

    async def _grant_role(self, match: re.Match[str], call: Call) -> web.Response:
        if "roles" in self.forbid:
            return json_response(p.error(50013, "Missing Permissions"), 403)
        if "roles" in self.rate_limit_once:
            self.rate_limit_once.discard("roles")
            body = {"message": "You are being rate limited.", "retry_after": 0.05, "global": False}
            headers = {
                "Content-Type": "application/json",
                "Retry-After": "0.05",
                "X-RateLimit-Scope": "user",
                "Via": "1.1 google",
            }
            # discord.py retries a 429 only when it came through Discord (Via: 1.1 google), else it is a ban.
            return web.Response(body=json.dumps(body).encode(), status=429, headers=headers)
        name = self.world.user_name(match.group("user"))
        role_name = self.world.role_name(match.group("role"))
        roles = self.world.member_roles.setdefault(name, [])
        if role_name not in roles:
            roles.append(role_name)
            await self.dispatch("GUILD_MEMBER_UPDATE", p.member_update(self.world, name))
        return empty()

    def _refusable(self, kind: str) -> Handler:
        async def handle(match: re.Match[str], call: Call) -> web.Response:
            if kind in self.forbid:
                return json_response(p.error(50013, "Missing Permissions"), 403)
            return empty()

        return handle

    async def _channel(self, match: re.Match[str], call: Call) -> web.Response:
        known = [*self.world.channels.values(), *self.world.threads]
        found = next((c for c in known if c["id"] == match.group("channel")), None)
        return json_response(found) if found else json_response(p.error(10003, "Unknown Channel"), 404)

    async def _edit_thread(self, match: re.Match[str], call: Call) -> web.Response:
        """A thread renamed, archived or opened (PATCH /channels/{thread}); Discord refuses any other change to an
        archived thread than opening it."""
        found = next((t for t in self.world.threads if t["id"] == match.group("channel")), None)
        if found is None:
            return json_response(p.error(10003, "Unknown Channel"), 404)
        changes = dict(call.json or {})
        metadata = found["thread_metadata"]
        if metadata["archived"] and changes.get("archived") is not False:
            return json_response(p.error(50083, "Thread is archived"), 400)
        if "name" in changes:
            found["name"] = changes["name"]
        if "archived" in changes:
            metadata["archived"] = changes["archived"]
        return json_response(found)

    async def _user(self, match: re.Match[str], call: Call) -> web.Response:
        person = next((u for u in self.world.users.values() if u["id"] == match.group("user")), None)
        return json_response(person) if person else json_response(p.error(10013, "Unknown User"), 404)
