"""The door of Slack's HTTP mode: a request is checked before Bolt parses anything.

Anyone who can reach the port can send anything. The signature (`v0=` HMAC-SHA256 of `v0:{ts}:{body}`
with the signing secret, within five minutes) is checked on the raw bytes first; only a signed request
is decoded and parsed, and a body Hearth could not handle (not UTF-8, not a JSON object, a broken
`payload=`, broken form encoding, a command or interaction without the fields Slack always sends) is
refused with 400. Each refusal is one log line, never a traceback.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

log = logging.getLogger(__name__)

MAX_AGE_SECONDS = 60 * 5  # Slack's own advice: older requests may be replays
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# What Slack always sends with each kind of request, and Hearth reads.
_COMMAND_FIELDS = ("command", "team_id", "user_id", "channel_id", "trigger_id")
_INTERACTION_FIELDS = {
    "block_actions": ("team", "user", "actions", "trigger_id"),
    "view_submission": ("team", "user", "view"),
}


def signed(raw: bytes, timestamp: str, signature: str, secret: str, now: float) -> str | None:
    """None when Slack signed `raw`, else why not."""
    if not timestamp.isdigit():
        return "a timestamp that is not a number"
    if abs(now - int(timestamp)) > MAX_AGE_SECONDS:
        return "a stale timestamp"
    expected = "v0=" + hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + raw, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        return "a bad signature"
    return None


def malformed(text: str, content_type: str | None) -> str | None:
    """None when the body is one Hearth can read (parsed as Bolt parses it), else what is wrong with it."""
    return inspect(text, content_type)[1]


def inspect(text: str, content_type: str | None) -> tuple[dict[str, Any] | None, str | None]:
    """(the JSON body, when it is one; what is wrong with the body, or None)."""
    if not text:
        return None, "an empty body"
    if content_type == "application/json" or text.startswith("{"):
        try:
            body = json.loads(text)
        except ValueError:
            return None, "a body that is not JSON"
        return (body, None) if isinstance(body, dict) else (None, "a JSON body that is not an object")
    return None, _form_problem(text)


def _form_problem(text: str) -> str | None:
    try:
        form = dict(parse_qsl(text, keep_blank_values=True, strict_parsing=True, errors="strict"))
    except (ValueError, UnicodeDecodeError):
        return "broken form encoding"
    if "payload" in form:
        try:
            payload = json.loads(form["payload"])
        except ValueError:
            return "a payload that is not JSON"
        if not isinstance(payload, dict):
            return "a payload that is not an object"
        return _missing(payload, _INTERACTION_FIELDS.get(str(payload.get("type")), ()))
    if "command" in form:
        return _missing(form, _COMMAND_FIELDS)
    return None


def _missing(body: dict[str, Any], fields: tuple[str, ...]) -> str | None:
    absent = [name for name in fields if not body.get(name)]
    return f"no {', '.join(absent)}" if absent else None


def guard(
    signing_secret: str,
    clock: Callable[[], float] = time.time,
    light: Callable[[dict[str, Any]], Awaitable[bool]] | None = None,
) -> Callable[..., Awaitable[web.StreamResponse]]:
    """aiohttp middleware for Bolt's web app: 401 unless signed, 400 unless readable, else on to Bolt.

    `light`, given a signed JSON body, may handle it itself (True: answered 200 without Bolt); Slack HTTP
    mode uses it for message events, which come in bursts where Bolt's per-request work (its own parse,
    middleware chain and matching against every listener) cost several times Hearth's handling.
    """

    @web.middleware
    async def check(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method != "POST":
            return await handler(request)
        raw = await request.read()
        why = signed(
            raw,
            request.headers.get("X-Slack-Request-Timestamp", ""),
            request.headers.get("X-Slack-Signature", ""),
            signing_secret,
            clock(),
        )
        if why is not None:
            log.warning("refused a Slack request from %s: %s", request.remote, why)
            return web.Response(status=401, text="unsigned")
        body: dict[str, Any] | None = None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            why = "a body that is not UTF-8"
        else:
            body, why = inspect(text, request.headers.get("Content-Type"))
        if why is not None:
            log.warning("refused a signed Slack request from %s: %s", request.remote, why)
            return web.Response(status=400, text="malformed")
        if body is not None and light is not None:
            try:
                handled = await light(body)
            except Exception:  # as Bolt answers a listener's failure: 500, so Slack retries
                log.exception("could not handle a Slack event")
                return web.Response(status=500)
            if handled:
                return web.Response(status=200)
        return await handler(request)

    return check
