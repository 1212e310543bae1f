"""Onboarding and introductions on Slack, end to end: signed requests into Bolt, a mock Slack Web API.

What a newcomer, their fellow members and the moderators see: the checklist DM and its buttons, channel
invitations, the /intro modal and its thread, the App Home, reminders, raids, and every refusal.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from bot.app import build_hearth
from bot.core.clock import VirtualClock
from bot.core.events import Event, MemberJoined, MessagePosted
from bot.core.runtime import Hearth
from bot.core.scheduling import VirtualScheduler
from cogs.onboarding.service import STEPS
from config.settings import load_settings
from storage.engine import Database
from tests.conftest import ledger_rows
from tests.platforms.conftest import EventLog
from tests.platforms.slack_fakes import (
    Call,
    MockSlackApi,
    SlackHarness,
    app_home_opened_event,
    block_action_payload,
    command_payload,
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
    await asyncio.gather(deliver(slack, team_join_event(nina)), deliver(slack, member_joined_channel_event("U0NINA")))
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
    # The menu shows what she chose (tester-b: it showed nothing, and choosing again replaced her choices).
    [menu] = [
        element
        for block in answer.params["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == "onb:interests"
    ]
    assert [option["value"] for option in menu["initial_options"]] == ["board games", "python"]

    intro = command_payload("/intro", "", "U0NINA", response_url=api.response_url("intro"))
    assert (await slack.requests.command(intro)).status == 200
    form = await api.wait_for("views.open")
    assert form.params["trigger_id"] == intro["trigger_id"]  # the modal opens on the command's trigger
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
    assert await ledger_rows(hearth, "intro_welcome") == [("U0OLGA", 2, None)]

    # Saying hello anywhere is the last step: now the public welcome is posted.
    await deliver(slack, message_event("U0NINA", "hello everyone!", "1700000600.000001", channel="C0RANDOM"))
    await handled(log, MessagePosted, 3)
    welcome = await api.wait_for("chat.postMessage", lambda call: call.params["channel"] == "C0WELCOME")
    assert "Welcome to Hearth Test, <@U0NINA>!" in block_texts(welcome)
    done = await api.wait_for("chat.postMessage", lambda call: "You're all set" in call.params["text"])
    assert done.params["channel"] == "DU0NINA"
    steps = await ledger_rows(hearth, "onboarding_step")
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


def view_texts(call: Call) -> str:
    """Every text of a published or opened view, one per line."""
    return block_texts(Call(call.method, {"blocks": call.params["view"]["blocks"]}, call.at))


async def newcomer(slack: SlackHarness, user: str, name: str) -> Call:
    """`user` joins the workspace; returns the checklist Hearth sent them."""
    await deliver(slack, team_join_event(slack.api.user(user, name)))
    return await slack.api.wait_for("chat.postMessage", lambda call: f"<@{user}>" in call.params["text"])


@pytest.fixture
async def runtimes(database_url: str, clock: VirtualClock) -> AsyncIterator[list[Hearth]]:
    started: list[Hearth] = []
    yield started
    for runtime in started:
        await runtime.close()
        await runtime.db.dispose()


async def start_runtime(database_url: str, clock: VirtualClock, started: list[Hearth]) -> Hearth:
    """A whole new process as far as Hearth can tell: own database engine and scheduler, one shared clock."""
    runtime = build_hearth(
        load_settings(database_url=database_url), clock, VirtualScheduler(clock), db=Database.open(database_url)
    )
    await runtime.start()
    started.append(runtime)
    return runtime


async def advance(hearth: Hearth, delta: timedelta) -> None:
    scheduler = hearth.services.scheduler
    assert isinstance(scheduler, VirtualScheduler)
    await scheduler.advance(delta)


async def test_a_stuck_member_is_nudged_once_and_mods_alerted_once_across_a_restart(
    database_url: str, clock: VirtualClock, slack_api: MockSlackApi, runtimes: list[Hearth]
) -> None:
    api = slack_api
    first = await start_runtime(database_url, clock, runtimes)
    async with running_slack(first, api) as slack:
        await set_up(slack)
        await newcomer(slack, "U0ALI", "ali")
        await newcomer(slack, "U0BEA", "bea")
        await click(slack, "U0BEA", AGREE, "DU0BEA")
        await advance(first, timedelta(hours=23))
        assert not api.called("chat.postMessage", lambda call: "Your next step" in call.params["text"])
        await advance(first, timedelta(hours=2))
        assert len(posted_in(api, "DU0ALI", "Your next step is *Accept the rules*")) == 1
        assert len(posted_in(api, "DU0BEA", "Your next step is *Choose your interests*")) == 1
        await advance(first, timedelta(hours=12))
    await first.close()  # the process stops; the next one shares only the database and the workspace

    second = await start_runtime(database_url, clock, runtimes)
    async with running_slack(second, api) as slack:
        await advance(second, timedelta(days=2))
        alerts = posted_in(api, "C0MODS", "has been stuck")
        assert [block_texts(call) for call in alerts] == [
            "🧭 <@U0ALI> has been stuck at *Accept the rules* for 3 days. A personal hello might help.",
            "🧭 <@U0BEA> has been stuck at *Choose your interests* for 3 days. A personal hello might help.",
        ]
        await advance(second, timedelta(weeks=1))
    assert len(posted_in(api, "C0MODS", "has been stuck")) == 2
    assert len(api.called("chat.postMessage", lambda call: "Your next step" in call.params["text"])) == 2


async def test_a_raid_of_thirty_joins_gets_one_batched_welcome(
    slack: SlackHarness, slack_api: MockSlackApi, hearth: Hearth, log: EventLog
) -> None:
    await set_up(slack)
    raiders = [slack_api.user(f"U0R{number:03d}", f"raider{number}") for number in range(30)]
    # Slack delivers events as they happen: all at once.
    await asyncio.gather(*(deliver(slack, team_join_event(raider)) for raider in raiders))
    await handled(log, MemberJoined, 30)
    singles = posted_in(slack_api, "C0WELCOME")
    assert len(singles) == 4  # below raid_joins (5), welcomes come one by one
    assert len(slack_api.called("chat.postMessage", lambda call: call.params["channel"].startswith("DU0R"))) == 30

    await advance(hearth, timedelta(minutes=2))
    [batch] = posted_in(slack_api, "C0WELCOME")[4:]
    shown = block_texts(batch)
    assert shown.startswith("🎉 26 new members arrived together!\nWelcome to Hearth Test, <@U0R")
    welcomed = [raider.id for raider in raiders if any(f"<@{raider.id}>" in block_texts(s) for s in singles)]
    assert len(welcomed) == 4
    assert all(f"<@{raider.id}>" in shown for raider in raiders if raider.id not in welcomed)
    await advance(hearth, timedelta(hours=1))
    assert len(posted_in(slack_api, "C0WELCOME")) == 5


async def test_a_too_long_or_missing_answer_is_shown_in_the_modal_and_posts_nothing(
    slack: SlackHarness, slack_api: MockSlackApi, hearth: Hearth
) -> None:
    await set_up(slack)
    form = await slack.command("/intro", "", "U0ALI")
    typed = {"name": "x" * 61, "location": "  ", "about": "Hi", "interests": "chess"}
    response = await slack.requests.interaction(submission_of(form, "U0ALI", typed))
    assert response.status == 200
    assert json.loads(await response.text()) == {
        "response_action": "errors",
        "errors": {
            "name": "This is 61 characters long; the limit is 60. Please shorten it.",
            "location": "This needs an answer.",
        },
    }
    # The modal stays open with the answers; corrected, it goes through.
    response = await slack.requests.interaction(
        submission_of(form, "U0ALI", {**typed, "name": "Ali", "location": "Oslo"})
    )
    assert await response.text() == ""
    await slack_api.wait_for("chat.postEphemeral", lambda call: "Your introduction is posted" in call.params["text"])
    [card] = posted_in(slack_api, "C0INTROS")
    assert "👋 Meet Ali" in block_texts(card)
    assert await ledger_rows(hearth, "intro") == [("U0ALI", 20, None)]


async def test_an_unknown_interest_is_refused_and_changes_nothing(
    slack: SlackHarness, slack_api: MockSlackApi, hearth: Hearth
) -> None:
    await set_up(slack)
    await newcomer(slack, "U0NINA", "nina")
    answer = await click(slack, "U0NINA", interests("chess"), "DU0NINA")
    assert answer.params["response_type"] == "ephemeral"
    assert (
        block_texts(answer) == "`chess` is not an interest offered here (any more). Choose from: Board games, Python."
    )
    assert invited(slack_api, "U0NINA") == []
    assert [step for _, _, step in await ledger_rows(hearth, "onboarding_step")] == ["joined"]


async def test_a_user_group_as_access_role_is_refused_when_set_up(slack: SlackHarness) -> None:
    await set_up(slack)
    answer = await slack.command("/onboarding", "access role:<!subteam^S0CREW|crew>", MOD)
    assert answer.params["response_type"] == "ephemeral"
    assert block_texts(answer).startswith("Roles can't be given here (a Slack user group is not a role), so I can't")
    shown = block_texts(await slack.command("/onboarding", "show", MOD))
    assert "Agreeing gives a place in <#C0MEMBERS>" in shown  # unchanged


async def test_an_interest_without_its_channel_is_refused_with_a_channel_for_example(slack: SlackHarness) -> None:
    """The example was a role (`role:&Chess`), which Slack then refuses: it has none."""
    await set_up(slack)
    answer = await slack.command("/onboarding", "interest-add Chess", MOD)
    assert block_texts(answer) == (
        "Give either a role (Discord) or a channel (Slack), like `/onboarding interest-add Chess channel:#Chess`."
    )


async def test_closed_dms_get_the_checklist_in_the_welcome_channel(
    slack: SlackHarness, slack_api: MockSlackApi, hearth: Hearth
) -> None:
    await set_up(slack)
    slack_api.errors["conversations.open"] = "user_not_visible"
    checklist = await newcomer(slack, "U0CARL", "carl")
    assert checklist.params["channel"] == "C0WELCOME"
    assert "<@U0CARL>, I couldn't send you a direct message, so here is your checklist" in block_texts(checklist)
    assert not slack_api.called("chat.postMessage", lambda call: call.params["channel"].startswith("D"))

    answer = await click(slack, "U0CARL", AGREE, "C0WELCOME")
    assert "✅ Accept the rules" in block_texts(answer) and answer.params["response_type"] == "ephemeral"
    assert invited(slack_api, "U0CARL") == ["C0MEMBERS"]
    # The buttons are public there: anyone else pressing them gets a kind word and nothing else.
    answer = await click(slack, "U0OLGA", AGREE, "C0WELCOME")
    assert "This checklist is for newcomers" in block_texts(answer)
    assert invited(slack_api, "U0OLGA") == []


@pytest.mark.parametrize(
    ("refusal", "reason"),
    [
        (
            {"conversations.invite": "not_in_channel", "conversations.join": "method_not_supported_for_channel_type"},
            "That channel is private and Hearth is not in it, so it cannot add anyone: invite it with "
            "`/invite @Hearth` in that channel, then try again.",
        ),
        (
            {"conversations.invite": {"error": "missing_scope", "needed": "groups:write"}},
            "The Slack app lacks the `groups:write` scope: update it from `hearth slack-manifest` and reinstall it",
        ),
        (
            {"conversations.invite": "restricted_action"},
            "A workspace setting forbids Hearth to add members to that channel; a Slack admin can allow it.",
        ),
    ],
    ids=["private-channel", "missing-scope", "restricted"],
)
async def test_a_refused_invite_tells_the_moderators_why_and_changes_nothing(
    slack: SlackHarness, slack_api: MockSlackApi, hearth: Hearth, refusal: dict[str, Any], reason: str
) -> None:
    await set_up(slack, "access channel:<#G0CREW|crew>")
    await newcomer(slack, "U0NINA", "nina")
    slack_api.errors.update(refusal)
    answer = await click(slack, "U0NINA", AGREE, "DU0NINA")
    [alert] = posted_in(slack_api, "C0MODS")
    assert block_texts(alert).startswith(f"⚠️ I couldn't give <@U0NINA> access to #crew: {reason}")
    told = block_texts(answer)
    assert told.startswith(f"I couldn't give you access to #crew: {reason}")
    assert "nothing was changed" in told
    assert [step for _, _, step in await ledger_rows(hearth, "onboarding_step")] == ["joined"]

    slack_api.errors.clear()  # fixed by a moderator: pressing again works
    answer = await click(slack, "U0NINA", AGREE, "DU0NINA")
    assert "✅ Accept the rules" in block_texts(answer)
    assert slack_api.called("conversations.invite")[-1].params == {"channel": "G0CREW", "users": "U0NINA"}


async def test_app_home_shows_the_checklist_and_its_buttons_work_there(
    slack: SlackHarness, slack_api: MockSlackApi, hearth: Hearth
) -> None:
    await set_up(slack)
    await newcomer(slack, "U0NINA", "nina")
    await deliver(slack, app_home_opened_event("U0NINA", tab="messages"))  # the Messages tab: nothing to publish
    await deliver(slack, app_home_opened_event("U0NINA"))
    home = await slack_api.wait_for("views.publish")
    assert home.params["user_id"] == "U0NINA" and home.params["view"]["type"] == "home"
    shown = view_texts(home)
    assert "Your way into Hearth Test" in shown and "⬜ Accept the rules\n⬜ Choose your interests" in shown
    actions = [e["action_id"] for b in home.params["view"]["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert actions == ["onb:agree", "onb:interests"]

    # Pressed on the App Home, the page itself is published again, with the answer on top.
    assert (await slack.requests.interaction(home_action_payload("U0NINA", AGREE))).status == 200
    again = await slack_api.wait_for("views.publish", count=2)
    shown = view_texts(again)
    assert shown.startswith("Thanks for agreeing to the rules!\n")
    assert shown.count("Your way into Hearth Test") == 1 and "✅ Accept the rules" in shown
    assert invited(slack_api, "U0NINA") == ["C0MEMBERS"]

    # A member with no checklist gets a friendly page; one who finished sees their checklist no more.
    await deliver(slack, app_home_opened_event("U0OLGA"))
    olga = await slack_api.wait_for("views.publish", lambda call: call.params["user_id"] == "U0OLGA")
    assert view_texts(olga) == "Nothing waiting for you here. `/help` lists what Hearth can do."
    assert len(slack_api.called("views.publish", lambda call: call.params["user_id"] == "U0NINA")) == 2
    assert not slack_api.called("chat.postMessage", lambda call: "Thanks for agreeing" in call.params["text"])


async def test_an_intro_submitted_while_slack_is_slow_closes_the_modal_at_once(
    slack: SlackHarness, slack_api: MockSlackApi, hearth: Hearth
) -> None:
    """Slack gives a modal 3 seconds: its answer must not wait past them for the card to be posted (a slow Slack,
    a busy database), or the member sees "We had some trouble connecting" in a modal that stays open, though the
    introduction went through — and submits it again. (It is answered once kept, or after 2 seconds.)"""
    await set_up(slack)
    form = await slack.command("/intro", "", "U0ALI")
    slack_api.held["chat.postMessage"] = gate = asyncio.Event()
    typed = {"name": "Ali", "location": "Oslo", "about": "Hi", "interests": "chess"}
    try:
        response = await asyncio.wait_for(slack.requests.interaction(submission_of(form, "U0ALI", typed)), 3)
    finally:
        gate.set()
    assert response.status == 200 and await response.text() == ""  # the modal closes
    await slack_api.wait_for("chat.postEphemeral", lambda call: "Your introduction is posted" in call.params["text"])
    [card] = posted_in(slack_api, "C0INTROS")
    assert "👋 Meet Ali" in block_texts(card)
    assert await ledger_rows(hearth, "intro") == [("U0ALI", 20, None)]
