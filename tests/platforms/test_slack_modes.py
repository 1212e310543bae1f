"""Slack: Socket Mode, interactivity (buttons, menus, modals), startup checks and the app manifest."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.core.commands import CommandSpec
from bot.core.context import Context
from bot.core.reply import Button, Form, FormField, Reply, Select, SelectOption, mention
from bot.core.runtime import Hearth
from bot.platforms.slack.app import create_slack_platform
from bot.platforms.slack.manifest import shortened, slash_commands
from config.settings import SettingsError
from tests.platforms.slack_fakes import (
    APP_TOKEN,
    WAIT_SECONDS,
    MockSlackApi,
    block_action_payload,
    command_payload,
    event_payload,
    message_event,
    running_slack,
    running_slack_socket_mode,
    slack_settings,
    view_submission_payload,
)
from tests.platforms.test_slack import block_texts


async def test_socket_mode_acks_the_envelope_and_runs_the_command(hearth: Hearth, slack_api: MockSlackApi) -> None:
    slack_api.user("U0BOB", "bob")
    async with running_slack_socket_mode(hearth, slack_api):
        payload = command_payload("/kudos", "<@U0BOB|bob> for pairing", "U0ALICE", response_url="")
        await slack_api.send_envelope("slash_commands", payload, "env-1")

        ack = await slack_api.wait_for("socket_ack")
        assert ack.params["envelope_id"] == "env-1"
        posted = await slack_api.wait_for("chat.postMessage")
        assert "+10 points for bob" in block_texts(posted)
    opened = slack_api.called("apps.connections.open")
    assert len(opened) == 1


def _test_components(hearth: Hearth) -> list[tuple[str, object]]:
    """A button, a menu and a form declared the way a cog would, recording what reached them."""
    seen: list[tuple[str, object]] = []

    async def clicked(ctx: Context, rest: str, values: tuple[str, ...]) -> Reply:
        seen.append((rest, values))
        if rest == "form":
            return Reply(form=Form("demo:intro", "Introduce yourself", (FormField("about", "About you", 50),)))
        return Reply.private(f"{mention(ctx.author)} picked {', '.join(values) or rest}")

    async def submitted(ctx: Context, rest: str, values: dict[str, str]) -> Reply:
        seen.append((rest, values))
        return Reply(text=f"{mention(ctx.author)} says: {values['about']}")

    async def menu(ctx: Context) -> Reply:
        return Reply(
            text="Pick some",
            buttons=(Button("Open the form", "demo:form"),),
            select=Select("demo:menu", (SelectOption("Tea", "tea"), SelectOption("Cake", "cake")), max_values=2),
        )

    hearth.registry.component("demo", clicked)
    hearth.registry.form("demo", submitted)
    hearth.registry.command(CommandSpec(name="demo", description="A demo menu", handler=menu))
    return seen


async def test_buttons_menus_and_modals_route_by_id(hearth: Hearth, slack_api: MockSlackApi) -> None:
    seen = _test_components(hearth)
    async with running_slack(hearth, slack_api) as slack:
        menu = await slack.command("/demo", "", "U0ALICE")
        actions = [block for block in menu.params["blocks"] if block["type"] == "actions"]
        assert actions[0]["elements"][0]["action_id"] == "demo:form"
        assert actions[1]["elements"][0]["type"] == "multi_static_select"

        picked = {
            "action_id": "demo:menu",
            "type": "multi_static_select",
            "selected_options": [{"value": "tea"}, {"value": "cake"}],
        }
        await slack.requests.interaction(
            block_action_payload("U0ALICE", picked, response_url=slack_api.response_url("pick"))
        )
        answer = await slack_api.wait_for("response_url", lambda call: call.params["key"] == "pick")
        assert "<@U0ALICE> picked tea, cake" in block_texts(answer)

        button = {"action_id": "demo:form", "type": "button"}
        await slack.requests.interaction(block_action_payload("U0ALICE", button))
        opened = await slack_api.wait_for("views.open")
        view = opened.params["view"]
        assert view["callback_id"] == "demo:intro"
        assert view["blocks"][0]["element"] == {
            "type": "plain_text_input",
            "action_id": "about",
            "multiline": False,
            "max_length": 50,
        }

        submission = view_submission_payload(
            "U0ALICE", "demo:intro", {"about": "I bake <!here>"}, view["private_metadata"]
        )
        response = await slack.requests.interaction(submission)
        assert response.status == 200
        said = await slack_api.wait_for("chat.postMessage", lambda call: "says" in call.params["text"])
        assert said.params["channel"] == "C0GENERAL"
        assert "<@U0ALICE> says: I bake &lt;!here&gt;" in block_texts(said)
    assert seen == [("menu", ("tea", "cake")), ("form", ()), ("intro", {"about": "I bake <!here>"})]


@pytest.mark.parametrize(
    ("settings", "complaint"),
    [
        ({"slack_bot_token": "xoxp-user-token"}, "must be a bot token starting with xoxb-"),
        ({"slack_app_token": "xoxb-wrong"}, "must be an app-level token starting with xapp-"),
        ({"slack_signing_secret": ""}, "HTTP mode needs SLACK_SIGNING_SECRET"),
    ],
)
async def test_malformed_settings_stop_before_connecting(
    hearth: Hearth, slack_api: MockSlackApi, settings: dict[str, str], complaint: str
) -> None:
    with pytest.raises(SettingsError, match=complaint):
        await create_slack_platform(hearth, slack_settings(slack_api, **settings))
    assert slack_api.calls == []


async def test_a_refused_token_stops_startup(hearth: Hearth, slack_api: MockSlackApi) -> None:
    slack_api.errors["auth.test"] = "invalid_auth"
    platform = await create_slack_platform(hearth, slack_settings(slack_api))
    try:
        with pytest.raises(SettingsError, match=r"Slack refused SLACK_BOT_TOKEN \(auth.test: invalid_auth\)"):
            await platform.verify()
    finally:
        await platform.close()


async def test_a_bot_token_from_the_environment_starts_without_bolts_warning(
    hearth: Hearth, slack_api: MockSlackApi, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """SLACK_BOT_TOKEN set in the environment (not `.env`): every start logged Bolt's "As you gave `client` as
    well, `token` will be unused." — a warning about the token the operator set, with nothing wrong to act on."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    with caplog.at_level(logging.INFO):
        platform = await create_slack_platform(hearth, slack_settings(slack_api))
        await platform.close()
    assert [record.getMessage() for record in caplog.records if record.name.startswith("slack_bolt")] == []


async def test_an_app_token_slack_refuses_stops_startup(hearth: Hearth, slack_api: MockSlackApi) -> None:
    """A revoked SLACK_APP_TOKEN, or one of another app: Socket Mode's client tried again every 10 seconds for
    ever, each time with a traceback, and never said which token was wrong (a tester's finding)."""
    slack_api.errors["apps.connections.open"] = "invalid_auth"
    platform = await create_slack_platform(hearth, slack_settings(slack_api, slack_app_token=APP_TOKEN))
    try:
        await platform.verify()
        refused = r"Slack refused SLACK_APP_TOKEN \(apps.connections.open: invalid_auth\)"
        with pytest.raises(SettingsError, match=refused):
            await asyncio.wait_for(platform.start_socket_mode(APP_TOKEN), WAIT_SECONDS)
    finally:
        await platform.close()


async def test_a_token_without_a_needed_scope_stops_startup(hearth: Hearth, slack_api: MockSlackApi) -> None:
    slack_api.scopes.remove("im:write")
    platform = await create_slack_platform(hearth, slack_settings(slack_api))
    try:
        with pytest.raises(SettingsError, match=r"lacks the scope\(s\) im:write"):
            await platform.verify()
    finally:
        await platform.close()


ROOT = Path(__file__).resolve().parents[2]


def _hearth(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env={**os.environ, "HEARTH_LOG_LEVEL": "WARNING"},
    )


def test_slack_manifest_names_every_command_scope_and_event(hearth: Hearth) -> None:
    as_yaml = _hearth("slack-manifest")
    as_json = _hearth("slack-manifest", "--format", "json", "--http", "--url", "https://bot.example/slack/events")
    assert as_yaml.returncode == 0, as_yaml.stderr
    assert as_json.returncode == 0, as_json.stderr
    socket_mode, http = yaml.safe_load(as_yaml.stdout), json.loads(as_json.stdout)

    expected = {f"/{spec.group or spec.name}" for spec in hearth.registry.commands.values()}
    for manifest in (socket_mode, http):
        commands = {entry["command"]: entry for entry in manifest["features"]["slash_commands"]}
        assert set(commands) == expected
        assert {"/config", "/help", "/kudos", "/leaderboard", "/rank"} <= expected
        assert commands["/kudos"]["usage_hint"] == "member [reason] [member2] [member3] [member4] [member5]"
        assert commands["/config"]["usage_hint"] == "set key [value] [channel] | show"
        assert {
            "commands",
            "chat:write",
            "im:write",
            "users:read",
            "reactions:read",
            "channels:history",
            "groups:history",
            "usergroups:read",
            "channels:manage",
        } <= set(manifest["oauth_config"]["scopes"]["bot"])
        assert {"message.channels", "team_join", "member_joined_channel", "reaction_added"} <= set(
            manifest["settings"]["event_subscriptions"]["bot_events"]
        )
        assert "app_home_opened" in manifest["settings"]["event_subscriptions"]["bot_events"]
        assert manifest["features"]["app_home"]["home_tab_enabled"] is True
        assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert socket_mode["settings"]["socket_mode_enabled"] is True
    assert "url" not in socket_mode["features"]["slash_commands"][0]
    assert http["settings"]["socket_mode_enabled"] is False
    assert http["settings"]["event_subscriptions"]["request_url"] == "https://bot.example/slack/events"
    assert http["settings"]["interactivity"]["request_url"] == "https://bot.example/slack/events"
    assert {entry["url"] for entry in http["features"]["slash_commands"]} == {"https://bot.example/slack/events"}


def test_slack_manifest_hints_are_cut_at_a_word_and_url_means_http_mode(hearth: Hearth) -> None:
    given = _hearth("slack-manifest", "--format", "json", "--url", "https://bot.example/slack/events")
    assert given.returncode == 0, given.stderr
    manifest = json.loads(given.stdout)
    assert manifest["settings"]["socket_mode_enabled"] is False  # --url without --http: HTTP mode
    assert manifest["settings"]["event_subscriptions"]["request_url"] == "https://bot.example/slack/events"

    full = {command: (description, hint) for command, description, hint in slash_commands(hearth.registry)}
    cut = 0
    for entry in manifest["features"]["slash_commands"]:
        description, hint = full[entry["command"]]
        for shown, whole in ((entry.get("usage_hint", ""), hint), (entry["description"], description)):
            assert len(shown) <= 140
            if shown != whole:  # cut after a whole word, marked
                cut += 1
                kept = shown.removesuffix("…")
                assert shown.endswith("…") and whole.startswith(kept) and whole[len(kept)] in " |", shown
    assert cut >= 2  # /onboarding and /ritual have more verbs than Slack shows


def test_shortened_text_keeps_whole_words() -> None:
    assert shortened("a b", 3) == "a b"
    assert shortened("alpha beta gamma", 12) == "alpha beta…"
    assert shortened("set key | show | reset everything now", 24) == "set key | show…"
    assert shortened("x" * 10, 5) == "xxxx…"


@pytest.mark.parametrize("given", ["https://bot.example", "https://bot.example/"])
def test_slack_manifest_gives_a_host_alone_hearths_path(given: str) -> None:
    """`--url https://bot.example` went into every request URL as it was: Hearth serves only /slack/events, so
    nothing Slack sent would have been answered."""
    done = _hearth("slack-manifest", "--format", "json", "--url", given)
    manifest = json.loads(done.stdout)
    assert manifest["settings"]["event_subscriptions"]["request_url"] == "https://bot.example/slack/events"
    assert {entry["url"] for entry in manifest["features"]["slash_commands"]} == {"https://bot.example/slack/events"}


def test_slack_manifest_refuses_a_request_url_slack_cannot_call() -> None:
    refused = _hearth("slack-manifest", "--url", "http://bot.example/slack/events")
    assert refused.returncode == 2
    assert "Slack only" in refused.stderr and "https://" in refused.stderr
    assert refused.stdout == ""


async def test_socket_mode_refuses_a_misshapen_payload_with_one_line(
    hearth: Hearth, slack_api: MockSlackApi, caplog: pytest.LogCaptureFixture
) -> None:
    """The HTTP guard's checks, in Socket Mode: each of these failed in its listener with a traceback, and a
    user id with JSON's `\\udcff` failed every activity batch after it."""
    caplog.set_level(logging.INFO)
    slack_api.user("U0BOB", "bob")
    hello = message_event("U0ALICE", "hello", "1700000000.000100")
    misshapen = [
        ("events_api", event_payload({k: v for k, v in hello.items() if k != "channel"}, "Ev1")),
        ("events_api", event_payload({**hello, "user": "U0\udcff"}, "Ev2")),
        ("events_api", {**event_payload(hello, "Ev3"), "team_id": 5}),
        ("events_api", {**event_payload(hello, "Ev4"), "team_id": "T" * 65}),
        ("interactive", {**block_action_payload("U0ALICE", {"action_id": "board:next"}), "actions": "next"}),
    ]

    def refused() -> list[str]:
        return [record.getMessage() for record in caplog.records if "over Socket Mode" in record.getMessage()]

    async with running_slack_socket_mode(hearth, slack_api):
        for number, (kind, payload) in enumerate(misshapen):
            await slack_api.send_envelope(kind, payload, f"env-{number}")  # not acked: as a 400 over HTTP
        await slack_api.send_envelope("slash_commands", command_payload("/kudos", "<@U0BOB> thanks", "U0ALICE"), "ok")
        posted = await slack_api.wait_for("chat.postMessage")
        assert "+10 points for bob" in block_texts(posted)
        await hearth.services.activity.flush()  # nothing left in its way
    assert sorted(line.split(": ", 1)[1] for line in refused()) == [
        "a body with a lone surrogate (\\ud800-\\udfff), which is not text",
        "actions is not a list of objects",
        "no event.channel",
        "team_id is not a string",
        "team_id is not an id (at most 64 characters, no NUL)",
    ]
    assert not [record for record in caplog.records if record.exc_info or record.levelno >= logging.ERROR]
