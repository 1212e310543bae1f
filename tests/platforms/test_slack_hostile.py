"""Slack HTTP mode against hostile and malformed requests: the signature is checked before anything is
parsed, and whatever cannot be read is refused with 400/401 and one log line, never a traceback."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from urllib.parse import urlencode

import pytest

from cogs.privacy.feature import EXPIRED
from tests.platforms.slack_fakes import (
    SIGNING_SECRET,
    TEAM,
    MockSlackApi,
    SlackHarness,
    block_action_payload,
    command_payload,
    event_payload,
    message_event,
    view_submission_payload,
)
from tests.platforms.test_slack import block_texts


def _signature(raw: bytes, timestamp: str) -> str:
    base = b"v0:" + timestamp.encode() + b":" + raw
    return "v0=" + hmac.new(SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()


async def _post(
    slack: SlackHarness, raw: bytes, content_type: str, *, signed: bool = True, timestamp: str | None = None
) -> int:
    moment = timestamp if timestamp is not None else str(int(time.time()))
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": moment,
        "X-Slack-Signature": _signature(raw, moment) if signed else "v0=" + "0" * 64,
    }
    async with slack.requests.session.post(slack.requests.url, data=raw, headers=headers) as response:
        await response.read()
        return response.status


FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
_command = command_payload("/kudos", "<@U0BOB> thanks", "U0ALICE")
_without_trigger = urlencode({k: v for k, v in _command.items() if k != "trigger_id"}).encode()

MALFORMED = [
    pytest.param(b"\xff\xfe not text", FORM, id="not UTF-8"),
    pytest.param(b"{not json", JSON, id="bad JSON"),
    pytest.param(b"[1, 2, 3]", JSON, id="a JSON array"),
    pytest.param(b"payload=%7Bbroken", FORM, id="a broken payload"),
    pytest.param(b"payload=%5B1%5D", FORM, id="a payload that is an array"),
    pytest.param(b"command=%2Fkudos&text=%FF%FE&team_id=T", FORM, id="broken form encoding"),
    pytest.param(_without_trigger, FORM, id="a command without trigger_id"),
    pytest.param(urlencode({"payload": json.dumps({"type": "block_actions"})}).encode(), FORM, id="no actions"),
]


def _event(event: dict[str, object], id: str, **envelope: object) -> pytest.ParameterSet:
    return pytest.param(json.dumps({**event_payload(event, "Ev1"), **envelope}).encode(), JSON, id=id)


def _interaction(payload: dict[str, object], id: str) -> pytest.ParameterSet:
    return pytest.param(urlencode({"payload": json.dumps(payload)}).encode(), FORM, id=id)


_hello = message_event("U0ALICE", "hello", "1700000000.000100")
_click = block_action_payload("U0ALICE", {"action_id": "board:next", "value": "1"})
_form = view_submission_payload("U0ALICE", "intro", {"name": "Alice"}, "{}")
_input = {"type": "input", "block_id": "name", "element": {"type": "plain_text_input", "max_length": 60}}


def _in_view(**view: object) -> dict[str, object]:
    """The intro form submitted, with `view`'s fields as given (what Slack never sends)."""
    submitted = view_submission_payload("U0ALICE", "intro", {"name": "Alice"}, "{}", [_input])
    return {**submitted, "view": {**submitted["view"], **view}}


_reaction = {"type": "reaction_added", "user": "U0BOB", "reaction": "raised_hands", "item_user": "U0ALICE"}
# Signed, but not what Slack sends: a field Hearth reads is missing or of another type. Each went on to a
# listener, which failed with a traceback (KeyError, TypeError); a team id that was a number was taken for
# a new community whose row could never be written, and every write after it failed until a restart; so did
# an id holding half a surrogate pair (JSON's `\udcff`), which is no text a database can store, and an id longer
# than the columns that keep ids (64 characters) or holding NUL, which PostgreSQL refuses. A form's blocks and
# answers of another shape failed in the listener too, with a 500 (Slack would have sent it again).
MISSHAPEN = [
    _event({k: v for k, v in _hello.items() if k != "channel"}, id="a message without channel"),
    _event({**_hello, "ts": 1700000000}, id="a message whose ts is a number"),
    _event({**_hello, "user": {"id": "U0ALICE"}}, id="a message whose user is an object"),
    _event({**_hello, "text": 5}, id="a message whose text is a number"),
    _event({**_hello, "thread_ts": ["1"]}, id="a thread_ts that is a list"),
    _event({**_hello, "subtype": []}, id="a subtype that is a list"),
    _event(_hello, team_id=5, id="a team id that is a number"),
    _event(_hello, event_id={"id": 1}, id="an event id that is an object"),
    _event({**_hello, "user": "U0\udcff"}, id="a user id with a lone surrogate"),
    _event({**_hello, "channel": "C0\ud800"}, id="a channel id with a lone surrogate"),
    _event(_hello, team_id="T" * 65, id="a team id longer than any id"),
    _event({**_hello, "user": "U0\x00"}, id="a user id with NUL"),
    _event({**_hello, "ts": "1" * 65}, id="a ts longer than any id"),
    _interaction({**_click, "user": {"id": "U" * 65}}, id="a click by a user id longer than any id"),
    pytest.param(urlencode({**_command, "channel_id": "C" * 65}).encode(), FORM, id="a command from a long channel id"),
    pytest.param(b'{"type": "event_callback", "event": ' + b"[" * 50_000 + b"]" * 50_000 + b"}", JSON, id="nesting"),
    pytest.param(json.dumps({**event_payload(_hello, "Ev1"), "event": "message"}).encode(), JSON, id="a string event"),
    _event({"type": "team_join"}, id="team_join without user"),
    _event({"type": "team_join", "user": "U0ALICE"}, id="team_join whose user is a string"),
    _event({"type": "user_change", "user": {"deleted": True}}, id="user_change without user id"),
    _event({"type": "member_joined_channel", "user": "U0ALICE"}, id="member_joined_channel without channel"),
    _event({**_reaction, "item": "1700000000.000100"}, id="a reaction whose item is a string"),
    _event({k: v for k, v in _reaction.items() if k != "user"}, id="a reaction without user"),
    _event({**_reaction, "item": {"type": "message", "ts": "1.1"}}, id="a reaction on a message without channel"),
    _event({"type": "app_home_opened", "tab": "home"}, id="app_home_opened without user"),
    _event({"type": "tokens_revoked", "tokens": "bot"}, id="tokens_revoked whose tokens is a string"),
    _interaction({**_click, "team": TEAM}, id="a click whose team is a string"),
    _interaction({**_click, "user": "U0ALICE"}, id="a click whose user is a string"),
    _interaction({**_click, "actions": "board:next"}, id="actions that is a string"),
    _interaction({**_click, "actions": [{"value": "1"}]}, id="an action without action_id"),
    _interaction({**_click, "actions": [{"action_id": "x", "selected_option": "a"}]}, id="a selected option string"),
    _interaction({**_form, "view": "intro"}, id="a form whose view is a string"),
    _interaction({**_form, "view": {"id": "V1", "callback_id": "intro"}}, id="a view without its type"),
    _interaction(view_submission_payload("U0ALICE", "intro", {"name": "A\udcff"}, "{}"), id="a lone surrogate typed"),
    _interaction(_in_view(state={"values": {"name": "Alice"}}), id="a form's answers that are a string"),
    _interaction(_in_view(state={"values": {"name": {"name": "Alice"}}}), id="a form's answer that is a string"),
    _interaction(_in_view(state={"values": {"name": {"name": {"value": 5}}}}), id="a typed answer that is a number"),
    _interaction(_in_view(blocks=["name"]), id="a form's block that is a string"),
    _interaction(_in_view(blocks=[{"type": "input", "block_id": ["name"]}]), id="a block id that is a list"),
    _interaction(_in_view(blocks=[{**_input, "element": "name"}]), id="an input whose element is a string"),
    _interaction(
        _in_view(blocks=[{**_input, "element": {"type": "plain_text_input", "max_length": "60"}}]),
        id="a max_length that is a string",
    ),
]


@pytest.mark.parametrize(("raw", "content_type"), MISSHAPEN)
async def test_misshapen_signed_requests_get_400_one_line_and_hearth_goes_on(
    slack: SlackHarness, slack_api: MockSlackApi, caplog: pytest.LogCaptureFixture, raw: bytes, content_type: str
) -> None:
    caplog.set_level(logging.INFO)
    slack_api.user("U0BOB", "bob")
    assert await _post(slack, raw, content_type) == 400
    [line] = _refusals(caplog)
    assert line.exc_info is None and line.levelno < logging.ERROR and "signed" in line.getMessage()

    answer = await slack.command("/kudos", "<@U0BOB> thanks", "U0ALICE")  # a write: nothing was left in the way
    assert "+10 points for bob" in block_texts(answer) + answer.params["text"]
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR or record.exc_info]


def _refusals(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name.startswith(("bot.", "slack_bolt"))]


@pytest.mark.parametrize(("raw", "content_type"), MALFORMED)
async def test_malformed_unsigned_requests_get_401_and_one_line(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture, raw: bytes, content_type: str
) -> None:
    caplog.set_level(logging.INFO)
    assert await _post(slack, raw, content_type, signed=False) == 401
    [line] = _refusals(caplog)
    assert line.exc_info is None and line.levelno < logging.ERROR and "bad signature" in line.getMessage()


@pytest.mark.parametrize(("raw", "content_type"), MALFORMED)
async def test_malformed_signed_requests_get_400_and_one_line(
    slack: SlackHarness, slack_api: MockSlackApi, caplog: pytest.LogCaptureFixture, raw: bytes, content_type: str
) -> None:
    caplog.set_level(logging.INFO)
    assert await _post(slack, raw, content_type) == 400
    [line] = _refusals(caplog)
    assert line.exc_info is None and line.levelno < logging.ERROR and "signed" in line.getMessage()
    assert not slack_api.called("chat.postMessage")


# Ten minutes old is stale: computed in the test, since parameters must be the same in every xdist worker.
# `²` and `9` * 5000 raised in int() (a 500 and a traceback, with no secret needed): `isdigit()` let them by.
@pytest.mark.parametrize("timestamp", ["soon", "", "1e9", "ten minutes ago", "²", "9" * 5000, "١٧٠٠٠٠٠٠٠٠"])
async def test_a_timestamp_that_is_not_a_recent_number_gets_401(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture, timestamp: str
) -> None:
    if timestamp == "ten minutes ago":
        timestamp = str(int(time.time()) - 600)
    caplog.set_level(logging.INFO)
    raw = urlencode(_command).encode()
    assert await _post(slack, raw, FORM, timestamp=timestamp) == 401
    [line] = _refusals(caplog)
    assert line.exc_info is None


async def test_a_signature_past_ascii_gets_401_and_one_line(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """`hmac.compare_digest` raises TypeError for a str with a character past ASCII: a 500 and a traceback."""
    caplog.set_level(logging.INFO)
    moment = str(int(time.time()))
    headers = {
        "Content-Type": FORM,
        "X-Slack-Request-Timestamp": moment,
        "X-Slack-Signature": "v0=é".encode().decode("latin-1"),  # as aiohttp reads the header's bytes
    }
    async with slack.requests.session.post(slack.requests.url, data=b"a=b", headers=headers) as response:
        assert response.status == 401
    [line] = _refusals(caplog)
    assert line.exc_info is None and "bad signature" in line.getMessage()
    assert not [record for record in caplog.records if record.exc_info]


async def test_a_well_formed_signed_command_still_runs(slack: SlackHarness, slack_api: MockSlackApi) -> None:
    slack_api.user("U0BOB", "bob")
    assert await _post(slack, urlencode(command_payload("/rank", "", "U0ALICE")).encode(), FORM) == 200
    answers = ("chat.postMessage", "chat.postEphemeral")
    await slack_api.wait_until(lambda: any(call.method in answers for call in slack_api.calls))


async def test_bidi_overrides_in_a_name_are_not_rendered(slack: SlackHarness, slack_api: MockSlackApi) -> None:
    slack_api.user("U0BOB", "\u202ebob\u2069")
    answer = await slack.command("/kudos", "<@U0BOB> for the \u2066review", "U0ALICE")
    shown = block_texts(answer) + answer.params["text"]
    assert "+10 points for bob" in shown and "for the review" in shown
    assert not set(shown) & {"\u202e", "\u2066", "\u2069"}


# Component ids shaped like Hearth's own, with a number Hearth never writes: a digit `int()` refuses (`²` passes
# `str.isdigit()`), more digits than `int()` reads, or a number past any row id (SQLite and PostgreSQL refuse it).
# Each failed in its cog with a traceback, answered "Sorry, something went wrong".
STRANGE_CLICKS = [
    "lb:week:all:²:",
    "lb:week:all:" + "9" * 5000 + ":",
    "ladder:accept:²",
    "ladder:decline:" + "9" * 30,
    "ritual:met:" + "9" * 30 + ":1",
    "mydata:delete:²:t:²",
    "mydata:keep:1:t:" + "9" * 5000,
]


@pytest.mark.parametrize("action_id", STRANGE_CLICKS, ids=lambda action_id: action_id[:24])
async def test_a_click_on_a_number_hearth_never_wrote_is_answered_as_a_stale_button(
    slack: SlackHarness, slack_api: MockSlackApi, caplog: pytest.LogCaptureFixture, action_id: str
) -> None:
    caplog.set_level(logging.INFO)
    click = block_action_payload(
        "U0ALICE", {"action_id": action_id, "value": "1"}, response_url=slack_api.response_url("click")
    )
    assert (await slack.requests.interaction(click)).status == 200
    answer = await slack_api.wait_for("response_url")
    assert block_texts(answer) in ("That button no longer does anything.", EXPIRED)
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR or record.exc_info]


@pytest.mark.parametrize(
    "payload",
    [
        {"type": "shortcut", "callback_id": "thanks", "trigger_id": "1.2", "user": {"id": "U0ALICE"}},
        {"type": "message_action", "callback_id": "thanks", "trigger_id": "1.2", "user": {"id": "U0ALICE"}},
        {"type": "view_closed", "view": {"callback_id": "someone_elses", "id": "V1"}, "user": {"id": "U0ALICE"}},
        {"type": "block_suggestion", "action_id": "pick", "value": "al", "user": {"id": "U0ALICE"}},
        {
            "type": "interactive_message",
            "callback_id": "poll",
            "trigger_id": "1.3",
            "user": {"id": "U0ALICE"},
            "actions": [{"name": "vote", "type": "button", "value": "yes"}],
        },
        {"type": "dialog_submission", "callback_id": "poll", "user": {"id": "U0ALICE"}, "submission": {"q": "a"}},
        {"type": "dialog_cancellation", "callback_id": "poll", "user": {"id": "U0ALICE"}},
    ],
    ids=[
        "a global shortcut",
        "a message shortcut",
        "a closed modal",
        "an external select's options",
        "a legacy attachment's button",
        "a dialog submitted",
        "a dialog cancelled",
    ],
)
async def test_interactive_requests_hearth_offers_nothing_for_are_answered_quietly(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture, payload: dict[str, object]
) -> None:
    """A shortcut an admin added in Slack's settings (Hearth declares none) got a 404, which Slack shows the member
    as an error, and Bolt's warning with code to write; now 200 and one line. A legacy attachment's button or a
    dialog (another app's, or an old integration's) went to the Block Kit click handler, which failed after the 200
    with a traceback (KeyError: 'action_id', 'actions')."""
    caplog.set_level(logging.INFO)
    answered = await slack.requests.interaction({**payload, "team": {"id": TEAM}})
    assert answered.status == 200
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert any("Hearth offers" in record.getMessage() for record in caplog.records)


async def test_an_event_hearth_does_not_subscribe_to_is_answered_quietly(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """`pin_added`, added to the app's events in Slack's settings: Bolt answered 404 (Slack sent it three times more,
    and turns off the events of an app that fails most of them) and logged its suggestion of code to write."""
    caplog.set_level(logging.INFO)
    pinned = {"type": "pin_added", "user": "U0ALICE", "channel_id": "C0GENERAL", "item": {"type": "message"}}
    answered = await slack.requests.event(event_payload(pinned, "Ev1"))
    assert answered.status == 200
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert any("`pin_added` is nothing Hearth handles" in record.getMessage() for record in caplog.records)


async def test_slacks_notice_that_it_drops_events_is_answered_with_a_warning(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """`app_rate_limited` (Slack drops the app's events past 30,000 an hour) got Bolt's 404 and its suggestion of
    code to write; it is answered 200 and says, once, what is happening."""
    notice = {"token": "legacy", "type": "app_rate_limited", "team_id": TEAM, "minute_rate_limited": 1518467820}
    answered = await slack.requests.post(json.dumps(notice), "application/json")
    assert answered.status == 200
    [warning] = [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING]
    assert warning.startswith(f"Slack is dropping events for workspace {TEAM}: over its 30,000 events an hour")


async def test_a_name_shaped_as_hearths_mention_marks_pings_nobody(
    slack: SlackHarness, slack_api: MockSlackApi
) -> None:
    """tester-a2: Hearth marks a mention inside its replies with control characters, which it strips from what
    members type but not from their names: a display name holding those marks (Slack's API takes any text) closed
    its own mention and opened a forged one, whose id `U0BOB> <!channel` rendered as `<@U0BOB> <!channel>`, so the
    kudos message pinged the whole channel."""
    forged = "mal\x1f\x1fmU0BOB> <!channel\x1eboss\x1f"
    slack_api.user("U0MAL", forged)
    slack_api.user("U0BOB", "bob")
    answer = await slack.command("/kudos", "<@U0BOB> thanks", "U0MAL")
    shown = block_texts(answer) + answer.params["text"]
    assert "<@U0BOB>" in shown  # the receiver is mentioned, as ever
    assert "<!channel>" not in shown and "<@U0BOB> <" not in shown
    assert not set(shown) & {"\x1e", "\x1f"}


async def test_a_name_holding_a_line_break_forges_no_line_of_a_board(
    slack: SlackHarness, slack_api: MockSlackApi
) -> None:
    """A display name holding a line break (Slack's API takes any text) stood on lines of its own on the boards, where
    it read as a row Hearth wrote: `1. mal` then `2. 🥈 boss — 5,000 points`."""
    slack_api.user("U0MAL", "mal\n2. 🥈 boss — 5,000 points\u2028x")
    slack_api.user("U0BOB", "bob")
    await slack.command("/kudos", "<@U0MAL> thanks", "U0BOB")
    board = block_texts(await slack.command("/leaderboard", "all", "U0BOB"))
    assert "\n2. 🥈 boss" not in board and "\u2028" not in board
