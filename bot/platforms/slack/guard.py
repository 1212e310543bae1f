"""The door of Slack's HTTP mode: a request is checked before Bolt parses anything.

Anyone who can reach the port can send anything. The signature (`v0=` HMAC-SHA256 of `v0:{ts}:{body}`
with the signing secret, within five minutes) is checked on the raw bytes first; only a signed request
is decoded and parsed, and a body Hearth could not handle (not UTF-8, not a JSON object, a broken
`payload=`, broken form encoding, a command, interaction or event without the fields Slack always sends, or
with a field Hearth reads of another type than Slack sends: a number for a user id, a string for an object,
an id longer than any Slack sends)
is refused with 400. Each refusal is one log line, never a traceback.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

log = logging.getLogger(__name__)

MAX_AGE_SECONDS = 60 * 5  # Slack's own advice: older requests may be replays


class NotKept(Exception):
    """An event Hearth could not keep (the database locked by another program or out of reach): answered 500,
    so that Slack sends it again, and logged as one line by whoever raised it, not as a traceback."""


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


# The shape of what Hearth reads of an interaction or an event: each field's type (`str`, `int`, `list`), a
# nested shape for an object (a dict), `[shape]` for a list of objects, or `Each(...)` for an object whose keys
# Slack chooses (a form's block ids). A name ending in `?` may be absent or null; any other must be there (and,
# for `str`, not empty), as Slack always sends it. Fields Hearth does not read are not looked at. Checked here,
# once, so the listeners may index what they read.
Shape = dict[str, Any]


@dataclass(frozen=True)
class Each:
    """In a shape: an object whose keys Slack names (block ids, action ids), each value of `shape` (a shape,
    or another `Each`)."""

    shape: Any


class Id:
    """In a shape: an id or timestamp Slack sends (`T0…`, `U0…`, `C0…`, `1700000000.000100`): a string of at
    most `ID_LIMIT` characters without NUL. Hearth stores ids in columns of 64 characters, and PostgreSQL
    refuses a longer one or a NUL; such an id in a first-seen member's or community's row failed every write
    after it until a restart (Slack's own are 9-20 characters)."""


ID_LIMIT = 64
_ID: Shape = {"id": Id}
_USER: Shape = {
    "id": Id,
    "name?": str,
    "team_id?": Id,
    "profile?": {"display_name?": str, "real_name?": str},
}
_OPTION: Shape = {"value": str}
# What Slack always sends with a slash command, and Hearth reads.
_COMMAND: Shape = {"command": str, "team_id": Id, "user_id": Id, "channel_id": Id, "trigger_id": str}
_INTERACTIONS: dict[str, Shape] = {
    "block_actions": {
        "team": _ID,
        "user": _ID,
        "trigger_id": str,
        "actions": [{"action_id": str, "selected_options?": [_OPTION], "selected_option?": _OPTION}],
        "channel?": {"id?": Id},
        "container?": {"channel_id?": Id, "message_ts?": Id},
        "view?": {"type?": str},
        "response_url?": str,
    },
    "view_submission": {
        "team": _ID,
        "user": _ID,
        "trigger_id?": str,
        "view": {
            "id": str,
            "type": str,
            "callback_id": str,
            "private_metadata?": str,
            # The modal's inputs as Hearth opened them, and what was typed in each: block id -> action id -> value.
            "blocks?": [{"type": str, "block_id?": str, "element?": {"type?": str, "max_length?": int}}],
            "state?": {"values?": Each(Each({"value?": str}))},
        },
    },
}
_ENVELOPE: Shape = {"event_id": Id, "team_id?": Id, "event": {"type": str}}
_REACTION: Shape = {
    "user": Id,
    "reaction": str,
    "item_user?": Id,
    "item": {"type": str, "channel?": Id, "ts?": Id},
}
_EVENTS: dict[str, Shape] = {
    "message": {
        "channel": Id,
        "ts": Id,
        "user?": Id,
        "text?": str,
        "subtype?": str,
        "team?": Id,
        "thread_ts?": Id,
        "parent_user_id?": Id,
    },
    # Read for its deleted_ts (or the previous message's ts), not its own.
    "message_deleted": {
        "channel": Id,
        "ts?": Id,
        "deleted_ts?": Id,
        "team?": Id,
        "previous_message?": {"user?": Id, "ts?": Id, "thread_ts?": Id},
    },
    # Read for a tombstone (a deleted message that has replies): its ts, and whose the message was.
    "message_changed": {
        "channel": Id,
        "ts?": Id,
        "team?": Id,
        "message?": {"subtype?": str, "ts?": Id, "thread_ts?": Id},
        "previous_message?": {"user?": Id},
    },
    "team_join": {"user": _USER},
    "user_change": {"user": _USER},
    "member_joined_channel": {"user": Id, "channel": Id, "team?": Id},
    "reaction_added": _REACTION,
    "reaction_removed": _REACTION,
    "app_home_opened": {"user": Id, "tab?": str, "team?": Id},
    "tokens_revoked": {"tokens?": {"bot?": list}},
}


# Seconds since 1970 in ASCII digits: `str.isdigit()` also takes `²` (which `int()` refuses) and Arabic-Indic
# digits, and `int()` refuses more than 4,300 digits; each raised in the middleware: a 500 and a traceback.
_TIMESTAMP = re.compile(r"[0-9]{1,15}")


def signed(raw: bytes, timestamp: str, signature: str, secret: str, now: float) -> str | None:
    """None when Slack signed `raw`, else why not."""
    if not _TIMESTAMP.fullmatch(timestamp):
        return "a timestamp that is not a number"
    if abs(now - int(timestamp)) > MAX_AGE_SECONDS:
        return "a stale timestamp"
    expected = "v0=" + hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + raw, hashlib.sha256).hexdigest()
    # Compared as bytes: `compare_digest` raises TypeError for a str with a character past ASCII (`v0=é`).
    if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "surrogateescape")):
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
        body, why = _json(text, "body")
        if why is not None:
            return None, why
        if not isinstance(body, dict):
            return None, "a JSON body that is not an object"
        return (body, None) if (why := _event_problem(body)) is None else (None, why)
    return None, _form_problem(text)


# `\ud800`-`\udfff` escaped in JSON: a pair is one character (an emoji), a lone one is no text at all.
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


def _json(text: str, what: str) -> tuple[Any, str | None]:
    """The JSON value `text` holds, or why it cannot be used: not JSON, nested past Python's recursion
    limit (json raises RecursionError, not ValueError), or a string holding half of a surrogate pair,
    which no database can store (one in an id written with an activity batch failed every batch after)."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None, f"a {what} that is not JSON"
    if _ESCAPED_SURROGATE.search(text):
        try:
            json.dumps(value, ensure_ascii=False).encode()
        except UnicodeEncodeError:
            return None, f"a {what} with a lone surrogate (\\ud800-\\udfff), which is not text"
        except RecursionError:
            return None, f"a {what} nested too deeply"
    return value, None


def parsed_problem(body: dict[str, Any]) -> str | None:
    """What `inspect` finds wrong with a body already parsed (Socket Mode hands Bolt parsed payloads): a field
    missing or of another type, or text no database can store. None when Hearth can read it."""
    try:
        json.dumps(body, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return "a body with a lone surrogate (\\ud800-\\udfff), which is not text"
    except (RecursionError, TypeError, ValueError):
        return "a body nested too deeply"
    if body.get("type") == "event_callback":
        return _event_problem(body)
    if shape := _INTERACTIONS.get(str(body.get("type"))):
        return _shape_problem(body, shape, "")
    if "command" in body:
        return _shape_problem(body, _COMMAND, "")
    return None


def _event_problem(body: dict[str, Any]) -> str | None:
    if body.get("type") != "event_callback":
        return None  # url_verification, or a type no listener takes (Bolt answers 404)
    if why := _shape_problem(body, _ENVELOPE, ""):
        return why
    event = body["event"]
    edits = ("message_deleted", "message_changed")
    kind = event.get("subtype") if event["type"] == "message" and event.get("subtype") in edits else None
    shape = _EVENTS.get(kind or event["type"])
    if shape and (why := _shape_problem(event, shape, "event.")):
        return why
    if shape is _REACTION and event["item"]["type"] == "message":  # a file's reaction has neither
        return _shape_problem(event["item"], {"channel": Id, "ts": Id}, "event.item.")
    return None


def _form_problem(text: str) -> str | None:
    try:
        form = dict(parse_qsl(text, keep_blank_values=True, strict_parsing=True, errors="strict"))
    except (ValueError, UnicodeDecodeError):
        return "broken form encoding"
    if "payload" in form:
        payload, why = _json(form["payload"], "payload")
        if why is not None:
            return why
        if not isinstance(payload, dict):
            return "a payload that is not an object"
        shape = _INTERACTIONS.get(str(payload.get("type")))
        return _shape_problem(payload, shape, "") if shape else None
    if "command" in form:
        return _shape_problem(form, _COMMAND, "")
    return None


_KINDS = {str: "a string", int: "a number", list: "a list", dict: "an object"}


def _shape_problem(value: dict[str, Any], shape: Shape, path: str) -> str | None:
    """None when `value` has `shape` (above), else the first field that is missing or of another type."""
    absent = [
        path + name
        for name, _ in shape.items()
        if not name.endswith("?") and (value.get(name) is None or value.get(name) == "")
    ]
    if absent:
        return f"no {', '.join(absent)}"
    for name, expected in shape.items():
        key = name.rstrip("?")
        found = value.get(key)
        if found is None:
            continue
        where = path + key
        if isinstance(expected, Each):
            if why := _each_problem(found, expected, where):
                return why
        elif isinstance(expected, dict):
            if not isinstance(found, dict):
                return f"{where} is not an object"
            if why := _shape_problem(found, expected, where + "."):
                return why
        elif isinstance(expected, list):
            if not isinstance(found, list) or (not name.endswith("?") and not found):
                return f"{where} is not a list of objects"
            for number, item in enumerate(found):
                if not isinstance(item, dict):
                    return f"{where}[{number}] is not an object"
                if why := _shape_problem(item, expected[0], f"{where}[{number}]."):
                    return why
        elif expected is Id:
            if not isinstance(found, str):
                return f"{where} is not a string"
            if len(found) > ID_LIMIT or "\x00" in found:
                return f"{where} is not an id (at most {ID_LIMIT} characters, no NUL)"
        elif not isinstance(found, expected):
            return f"{where} is not {_KINDS[expected]}"
    return None


def _each_problem(found: Any, expected: Each, where: str) -> str | None:
    if not isinstance(found, dict):
        return f"{where} is not an object"
    for key, item in found.items():
        inner = f"{where}.{key}"
        if isinstance(expected.shape, Each):
            why = _each_problem(item, expected.shape, inner)
        elif not isinstance(item, dict):
            why = f"{inner} is not an object"
        else:
            why = _shape_problem(item, expected.shape, inner + ".")
        if why:
            return why
    return None


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

    handling: set[str] = set()  # the event ids of deliveries being handled now

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
        if body is not None and body.get("type") == "app_rate_limited":
            # Slack's notice that it is dropping this app's events (more than 30,000 an hour for a workspace): no
            # listener takes it (Bolt answered 404 with a suggestion to write one), and it is worth a warning.
            log.warning(
                "Slack is dropping events for workspace %s: over its 30,000 events an hour (app_rate_limited, the "
                "minute starting %s); what it drops is never sent again",
                body.get("team_id"),
                body.get("minute_rate_limited"),
            )
            return web.Response(status=200)
        event_id = _event_id(body)
        if event_id is not None:
            if event_id in handling:
                # Slack gave up waiting (3 s) and sent it again while the first delivery is still being handled
                # (a database lock or outage being waited out): a 200 would end Slack's tries before it is known
                # whether the first is kept. It sends again later: dropped as a repeat once the first was kept.
                log.info(
                    "a redelivery of Slack event %s arrived while it is still being handled: answered 500", event_id
                )
                return web.Response(status=500)
            handling.add(event_id)
        try:
            if body is not None and light is not None:
                try:
                    handled = await light(body)
                except NotKept as error:
                    log.warning("%s", error)
                    return web.Response(status=500)
                except Exception:  # as Bolt answers a listener's failure: 500, so Slack retries
                    log.exception("could not handle a Slack event")
                    return web.Response(status=500)
                if handled:
                    return web.Response(status=200)
            return await handler(request)
        finally:
            if event_id is not None:
                handling.discard(event_id)

    return check


def _event_id(body: dict[str, Any] | None) -> str | None:
    """An Events API delivery's `event_id` (the same in each of Slack's retries of it), else None."""
    if body is None or body.get("type") != "event_callback" or not body.get("event_id"):
        return None
    return str(body["event_id"])
