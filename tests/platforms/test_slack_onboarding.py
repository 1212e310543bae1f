"""Onboarding and introductions on Slack, end to end: signed requests into Bolt, a mock Slack Web API.

What a newcomer, their fellow members and the moderators see: the checklist DM and its buttons, channel
invitations, the /intro modal and its thread, the App Home, reminders, raids, and every refusal.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import build_hearth
from bot.core.clock import VirtualClock
from bot.core.events import Event, MemberJoined, MessagePosted
from bot.core.runtime import Hearth
from bot.core.scheduling import VirtualScheduler
from cogs.onboarding.service import STEPS
from config.settings import load_settings
from storage.engine import Database
from storage.models import Contribution, Member
from tests.platforms.conftest import EventLog
from tests.platforms.slack_fakes import (
    Call,
    MockSlackApi,
    SlackHarness,
    app_home_opened_event,
    block_action_payload,
    event_payload,
    home_action_payload,
    member_joined_channel_event,
    message_event,
    running_slack,
    submission_of,
    team_join_event,
)
from tests.platforms.test_slack import block_texts

MOD = "U0MOD"
SETUP = (  # /onboarding ..., as a moderator types it
    "channel welcome <#C0WELCOME|welcome>",
    "channel intros <#C0INTROS|intros>",
    "channel mods <#C0MODS|mods>",
    "rules Be kind. No spam.",
    "access channel:<#C0MEMBERS|members>",
    'interest-add "Board games" channel:<#C0GAMES|games>',
    "interest-add Python channel:<#G0PYTHON|python>",
)
AGREE = {"type": "button", "action_id": "onb:agree", "value": "agree"}
_events = itertools.count(1)
_answers = itertools.count(1)


def interests(*keys: str) -> dict[str, Any]:
    options = [{"text": {"type": "plain_text", "text": key}, "value": key} for key in keys]
    return {"type": "multi_static_select", "action_id": "onb:interests", "selected_options": options}


async def set_up(slack: SlackHarness, *extra: str) -> None:
    """A moderator (a workspace admin) sets onboarding up with slash commands, as in the README."""
    slack.api.user(MOD, "mod", is_admin=True)
    for text in (*SETUP, *extra):
        answer = await slack.command("/onboarding", text, MOD)
        assert "Done" in block_texts(answer), block_texts(answer)


async def deliver(slack: SlackHarness, event: dict[str, Any]) -> None:
    response = await slack.requests.event(event_payload(event, f"Ev{next(_events):05d}"))
    assert response.status == 200


async def click(slack: SlackHarness, user: str, action: dict[str, Any], channel: str) -> Call:
    """Press a button (or choose in a menu) on a message; returns Hearth's answer to that person."""
    key = f"click{next(_answers)}"
    payload = block_action_payload(user, action, channel=channel, response_url=slack.api.response_url(key))
    assert (await slack.requests.interaction(payload)).status == 200
    return await slack.api.wait_for("response_url", lambda call: call.params["key"] == key)


def posted_in(api: MockSlackApi, channel: str, containing: str = "") -> list[Call]:
    return api.called(
        "chat.postMessage",
        lambda call: call.params["channel"] == channel and containing in block_texts(call) + call.params["text"],
    )


def invited(api: MockSlackApi, user: str) -> list[str]:
    return [call.params["channel"] for call in api.called("conversations.invite") if call.params["users"] == user]


async def ledger(hearth: Hearth, kind: str) -> list[tuple[str, int, str | None]]:
    """(member's Slack id, points, reason) of the ledger rows of a kind, oldest first."""
    async with hearth.db.read() as session:
        rows = await session.execute(
            select(Member.external_id, Contribution.points, Contribution.reason)  # type: ignore[call-overload]
            .join(Member, Member.id == Contribution.member_id)
            .where(Contribution.kind == kind)
            .order_by(Contribution.id)
        )
        return [(row[0], row[1], row[2]) for row in rows]


def logged(hearth: Hearth) -> EventLog:
    """Joins and messages, each recorded once every cog has handled it (handlers run in registration order)."""
    log = EventLog()
    hearth.registry.on(MemberJoined, log.record)
    hearth.registry.on(MessagePosted, log.record)
    return log


@pytest.fixture
def log(hearth: Hearth) -> EventLog:
    return logged(hearth)


async def handled(log: EventLog, kind: type[Event], count: int) -> None:
    await log.wait_for(lambda _event: sum(isinstance(e, kind) for e in log.events) >= count)


async def test_newcomer_walks_the_whole_checklist_on_slack(
    slack: SlackHarness, slack_api: MockSlackApi, hearth: Hearth, log: EventLog
) -> None:
    api = slack_api
    await set_up(slack, "set welcome_when completion")
    nina = api.user("U0NINA", "nina")
    api.user("U0OLGA", "olga")

    # A newcomer produces team_join and, landing in #general, member_joined_channel: one onboarding.
    await asyncio.gather(
        deliver(slack, team_join_event(nina)), deliver(slack, member_joined_channel_event("U0NINA"))
    )
    await handled(log, MemberJoined, 2)
    [opened] = api.called("conversations.open")
    assert opened.params["users"] == "U0NINA"
    [dm] = posted_in(api, "DU0NINA")
    shown = block_texts(dm)
    assert "Welcome to Hearth Test, <@U0NINA>! 👋" in shown
    assert "⬜ Accept the rules\n⬜ Choose your interests\n⬜ Post an introduction (/intro)" in shown
    assert "*Rules*\nBe kind. No spam." in shown
    elements = [element for block in dm.params["blocks"] if block["type"] == "actions" for element in block["elements"]]
    assert [(e["type"], e["action_id"]) for e in elements] == [
        ("button", "onb:agree"),
        ("multi_static_select", "onb:interests"),
    ]
    assert [option["value"] for option in elements[1]["options"]] == ["board games", "python"]
    assert not posted_in(api, "C0WELCOME")  # the public welcome waits for completion

    # Someone already here joining another channel is not a newcomer.
    await deliver(slack, member_joined_channel_event("U0OLGA", "C0GAMES"))
    await api.wait_for("conversations.info", lambda call: call.params["channel"] == "C0GAMES")

    answer = await click(slack, "U0NINA", AGREE, "DU0NINA")
    assert answer.params["response_type"] == "ephemeral"
    assert "Thanks for agreeing to the rules!" in block_texts(answer)
    assert "✅ Accept the rules" in block_texts(answer)
    assert invited(api, "U0NINA") == ["C0MEMBERS"]

    answer = await click(slack, "U0NINA", interests("board games", "python"), "DU0NINA")
    assert "✅ Choose your interests: Board games, Python" in block_texts(answer)
    assert invited(api, "U0NINA") == ["C0MEMBERS", "C0GAMES", "G0PYTHON"]

    form = await slack.command("/intro", "", "U0NINA")
    assert form.method == "views.open"
    view = form.params["view"]
    assert view["type"] == "modal" and view["title"]["text"] == "Introduce yourself"
    assert [block["block_id"] for block in view["blocks"]] == ["name", "location", "about", "interests", "fun_fact"]
    typed = {"name": "Nina", "location": "Oslo", "about": "Board game nights", "interests": "Board games, chess"}
    response = await slack.requests.interaction(submission_of(form, "U0NINA", typed))
    assert response.status == 200
    confirmed = await api.wait_for("chat.postEphemeral", lambda call: call.params["user"] == "U0NINA")
    assert "Your introduction is posted in <#C0INTROS> (+20 points)" in block_texts(confirmed)
    [card] = posted_in(api, "C0INTROS")
    assert "👋 Meet Nina" in block_texts(card) and "*Where are you?*\nOslo" in block_texts(card)
    assert "thread_ts" not in card.params
    intro_ts = card.answer["ts"]

    # Members who reply in the intro's thread (Slack replies: thread_ts) earn welcome points, once.
    for number, text in enumerate(("welcome Nina!", "and enjoy")):
        reply = message_event("U0OLGA", text, f"1700000500.00000{number}", channel="C0INTROS", thread_ts=intro_ts)
        await deliver(slack, reply)
    await handled(log, MessagePosted, 2)
    assert await ledger(hearth, "intro_welcome") == [("U0OLGA", 2, None)]

    # Saying hello anywhere is the last step: now the public welcome is posted.
    await deliver(slack, message_event("U0NINA", "hello everyone!", "1700000600.000001", channel="C0RANDOM"))
    await handled(log, MessagePosted, 3)
    welcome = await api.wait_for("chat.postMessage", lambda call: call.params["channel"] == "C0WELCOME")
    assert "Welcome to Hearth Test, <@U0NINA>!" in block_texts(welcome)
    done = await api.wait_for("chat.postMessage", lambda call: "You're all set" in call.params["text"])
    assert done.params["channel"] == "DU0NINA"
    steps = await ledger(hearth, "onboarding_step")
    assert steps == [("U0NINA", points, step) for points, step in ((0, "joined"), *((5, s) for s in STEPS))]
    assert not api.called("conversations.open", lambda call: call.params["users"] == "U0OLGA")
    assert len(posted_in(api, "DU0NINA", "Welcome to Hearth Test")) == 1

    # Running /intro again edits the card in place.
    form = await slack.command("/intro", "", "U0NINA")
    assert form.params["view"]["title"]["text"] == "Edit your introduction"
    await slack.requests.interaction(submission_of(form, "U0NINA", {"location": "Bergen"}))
    update = await api.wait_for("chat.update")
    assert (update.params["channel"], update.params["ts"]) == ("C0INTROS", intro_ts)
    assert "*Where are you?*\nBergen" in block_texts(update) and "Board game nights" in block_texts(update)
    assert len(posted_in(api, "C0INTROS")) == 1
