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

from tests.platforms.slack_fakes import SIGNING_SECRET, MockSlackApi, SlackHarness, command_payload
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


@pytest.mark.parametrize(
    "timestamp",
    ["soon", "", "1e9", str(int(time.time()) - 600)],
    ids=["word", "empty", "float", "ten-minutes-old"],  # stable ids: xdist workers must collect the same tests
)
async def test_a_timestamp_that_is_not_a_recent_number_gets_401(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture, timestamp: str
) -> None:
    caplog.set_level(logging.INFO)
    raw = urlencode(_command).encode()
    assert await _post(slack, raw, FORM, timestamp=timestamp) == 401
    [line] = _refusals(caplog)
    assert line.exc_info is None


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
