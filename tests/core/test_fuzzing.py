"""Property-based fuzzing (Hypothesis) of what people type: no exception escapes, every refusal is polite.

- the command-text parser (`bot.core.arguments`) over every real command's options, as the console and
  Slack resolve tokens, then the runtime's coercion of each option;
- the ritual schedule parser (`cogs.rituals.schedule`), and the trigger of what it accepts;
- onboarding welcome templates and ritual prompts;
- every per-community setting value (`SettingsCatalog.validate`);
- signed Slack HTTP bodies with any field changed or left out: the guard refuses them, or the adapter reads
  them and hands on only text a database can store.

Refusals are UserError / ScheduleError / SettingError with a message a member can read: not empty, no
traceback or exception names, no Python reprs (`'\\x..'`, `<... object at 0x..>`, `{'..': ..}`).
Runs are short and derandomized (the same examples every run, on every xdist worker), with no example
database written into the tree.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from datetime import UTC, date, datetime
from functools import cache
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.app import build_hearth
from bot.core.arguments import parse_arguments
from bot.core.clock import VirtualClock
from bot.core.commands import CommandSpec, OptionType
from bot.core.refs import CommunityRef, MemberRef
from bot.core.reply import UserError
from bot.core.runtime import Hearth
from bot.core.scheduling import VirtualScheduler
from bot.platforms.console.platform import ConsolePlatform
from bot.platforms.slack.events import SlackEvents
from bot.platforms.slack.guard import inspect
from bot.platforms.slack.people import People
from bot.platforms.slack.text import resolve as slack_resolve
from cogs.onboarding.service import PLACEHOLDERS, check_welcome_template, render_welcome
from cogs.rituals.rules import render_prompt
from cogs.rituals.schedule import ScheduleError, fire_times, parse_schedule
from config.community import SettingError
from config.settings import load_settings
from tests.platforms.slack_fakes import block_action_payload, command_payload, view_submission_payload

FUZZ = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

# Pieces people (and platforms) really put into command text, mixed with arbitrary characters.
PIECES = (
    '"',
    "'",
    "“",
    "”",
    "‘",
    "’",
    "«",
    "»",
    ":",
    " ",
    "  ",
    "\t",
    "\n",
    "\r",
    "\\",
    "`",
    "@bob",
    "@",
    "#general",
    "#",
    "&helpers",
    "&",
    "<@U1|Bob Smith>",
    "<@U1>",
    "<#C1|news>",
    "<!subteam^S1|mods>",
    "<@",
    ">",
    "<",
    "name:",
    "reason:",
    "member:",
    "key:",
    "value:",
    "schedule:",
    "prompt:",
    "window:",
    "points:",
    "\u2028",
    "\u2029",
    "\u202e",
    "\u2066",
    "\u200b",
    "\x00",
    "\x1b[31m",
    "\x9b",
    "\x1f",
    "\x1e",
    "\ufeff",
    "{member}",
    "{date}",
    "{",
    "}",
    "{{",
    "}}",
    "{0}",
    "{!r}",
    "%s",
    "0",
    "-1",
    "9" * 30,
    "1e309",
    "nan",
    "inf",
    "monthly",
    "daily at",
    "every",
    "weeks",
    "on the last day",
    "first friday",
    "at 25:99",
    "12am",
    "0 9 31 2 *",
    "*/0",
    "L",
    "last",
    "mon-fri",
    "Europe/Berlin",
    "../../etc/passwd",
    "UTC",
    "5 minutes",
    "3h",
    "1w",
    "🎉",
)
TEXT = st.one_of(
    st.text(max_size=60),
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=4)), max_size=12).map("".join),
)

# What a polite message never shows (input carrying these is skipped, since a refusal may quote it).
RUDE = (
    "Traceback",
    "Error",
    "Exception",
    "object at 0x",
    "<class ",
    "NoneType",
    "\\x",
    "\\u",
)


def polite_input(text: str) -> bool:
    return not any(marker in text for marker in RUDE)


def assert_polite(message: str) -> None:
    assert message.strip(), "an empty refusal"
    rude = [marker for marker in RUDE if marker in message]
    assert not rude, f"{rude[0]!r} in the refusal {message!r}"


@cache
def runtime() -> Hearth:
    """Every cog's real commands and settings; nothing here touches the database."""
    clock = VirtualClock(datetime(2026, 3, 4, 12, tzinfo=UTC))
    settings = load_settings(database_url="sqlite+aiosqlite:///:memory:")
    return build_hearth(settings, clock, VirtualScheduler(clock))


@cache
def console_resolve() -> ConsolePlatform:
    hearth = runtime()
    return ConsolePlatform(hearth, hearth.services.scheduler, lambda _where, _lines: None)  # type: ignore[arg-type]


def specs() -> list[CommandSpec]:
    return sorted((spec for spec in runtime().registry.commands.values() if spec.options), key=lambda s: s.path)


SLACK = CommunityRef("slack", "T0FUZZ")


# -- the command-text parser ------------------------------------------------------------------------------
@pytest.mark.parametrize("spec", specs(), ids=lambda spec: spec.path)
@FUZZ
@given(text=TEXT.filter(polite_input))
@example(text='27" monitor')
@example(text='"never closed')
@example(text="@bob \u2028 thanks \u202e")
def test_command_text_is_parsed_or_refused_politely(spec: CommandSpec, text: str) -> None:
    for resolve in (console_resolve()._resolve, lambda token, kind: slack_resolve(SLACK, token, kind)):
        try:
            parsed = parse_arguments(spec, text, resolve)
        except UserError as refusal:
            assert_polite(refusal.message)
            continue
        assert set(parsed) <= {option.name for option in spec.options}
        # Then the runtime's own check of each value (what a Discord option or a parsed line goes through).
        for option in spec.options:
            raw = parsed.get(option.name)
            if raw is None or option.type is OptionType.MEMBER:
                continue  # a member is looked up in the database, tested end to end elsewhere
            try:
                asyncio.run(runtime()._coerce(option, raw))
            except UserError as refusal:
                assert_polite(refusal.message)


@pytest.mark.parametrize("spec", specs(), ids=lambda spec: spec.path)
@FUZZ
@given(raw=TEXT.filter(polite_input))
@example(raw="a" * 300)
@example(raw="Europe/../../etc")
@example(raw="\x00")
def test_every_option_value_is_taken_or_refused_politely(spec: CommandSpec, raw: str) -> None:
    """As Discord delivers options: each value on its own, not through the text parser."""
    for option in spec.options:
        if option.type in (OptionType.MEMBER, OptionType.CHANNEL, OptionType.ROLE):
            continue
        try:
            asyncio.run(runtime()._coerce(option, raw))
        except UserError as refusal:
            assert_polite(refusal.message)


# -- the schedule parser --------------------------------------------------------------------------------
SCHEDULE_PIECES = (
    "daily",
    "weekdays",
    "every",
    "monthly",
    "weekly",
    "on",
    "the",
    "at",
    "last",
    "first",
    "second",
    "friday",
    "monday",
    "day",
    "weeks",
    "2",
    "0",
    "99",
    "31",
    "9:30",
    "25:00",
    "12pm",
    "13pm",
    "*",
    "*/5",
    "*/0",
    "L",
    "last",
    "mon-fri",
    "sun,sat",
    "7",
    "8",
    "1-31",
    "2",
    "feb",
    "minutes",
    "hours",
    "every 0 minutes",
    " ",
    ".",
)
SCHEDULES = st.one_of(
    TEXT,
    st.lists(st.sampled_from(SCHEDULE_PIECES), min_size=1, max_size=8).map(" ".join),
    st.lists(
        st.sampled_from(("*", "0", "9", "31", "2", "*/7", "1-5", "L", "last", "mon", "60", "-1")),
        min_size=5,
        max_size=5,
    ).map(" ".join),
)


@FUZZ
@given(text=SCHEDULES.filter(polite_input))
@example(text="0 9 31 2 *")
@example(text="monthly on the last day at 18:00")
@example(text="every 0 weeks on monday at 9:00")
@example(text="0 18 last * *")
def test_schedules_are_accepted_or_refused_politely(text: str) -> None:
    try:
        schedule = parse_schedule(text)
    except ScheduleError as refusal:
        assert_polite(str(refusal))
        return
    assert schedule.words.strip()
    # What is accepted runs: the trigger builds and gives a next firing.
    trigger = schedule.trigger("Europe/Berlin", date(2026, 3, 4))
    assert fire_times(trigger, datetime(2026, 3, 4, tzinfo=UTC), limit=1)


# -- templates --------------------------------------------------------------------------------------------
TEMPLATE = st.one_of(
    TEXT,
    st.lists(st.sampled_from([*(f"{{{name}}}" for name in PLACEHOLDERS), "{", "}", "x", " "]), max_size=10).map(
        "".join
    ),
)


@FUZZ
@given(template=TEMPLATE.filter(polite_input))
@example(template="{member} {0} {} {{")
@example(template="{{member}")
def test_welcome_templates_render_or_are_refused_politely(template: str) -> None:
    try:
        check_welcome_template(template)
    except UserError as refusal:
        assert_polite(refusal.message)
        return
    values = {name: f"<{name}>" for name in PLACEHOLDERS}
    rendered = render_welcome(template, values)
    # `{{` and `}}` are literal braces (`{{member}}` is the text `{member}`, tests/cogs/test_onboarding.py): where
    # none is written, no placeholder is left unrendered.
    if "{{" not in template and "}}" not in template:
        assert all(f"{{{name}}}" not in rendered for name in PLACEHOLDERS)


@FUZZ
@given(prompt=TEXT, name=TEXT)
@example(prompt="{date} {week} {name} {other} {{date}}", name="{date}")
def test_ritual_prompts_always_render(prompt: str, name: str) -> None:
    rendered = render_prompt(prompt, "standup", datetime(2026, 3, 5, 9, tzinfo=UTC))
    assert not {"{date}", "{week}", "{name}"} & {part for part in ("{date}", "{week}", "{name}") if part in rendered}
    # The ritual's name goes in as it is, whatever it holds (braces included): it is never read as a template.
    if "{name}" in prompt:
        assert name in render_prompt(prompt, name, datetime(2026, 3, 5, 9, tzinfo=UTC))


# -- setting values ---------------------------------------------------------------------------------------
def setting_keys() -> tuple[str, ...]:
    return runtime().registry.settings.keys()


@pytest.mark.parametrize("key", setting_keys())
@FUZZ
@given(raw=TEXT.filter(polite_input))
@example(raw="")
@example(raw="-1")
@example(raw="9" * 30)
@example(raw="Europe/../../etc")
def test_setting_values_are_taken_or_refused_politely(key: str, raw: str) -> None:
    catalog = runtime().registry.settings
    try:
        value = catalog.validate(key, raw)
    except SettingError as refusal:
        assert_polite(str(refusal))
        return
    # What is taken is stored and read back as the same value.
    assert catalog.decode({key: catalog.encode(value)}).value(key) == value


# -- Slack HTTP requests ----------------------------------------------------------------------------------
# A signed request is trusted to be Slack's, but its body is still only data: any field of the payloads
# Slack sends, at any depth, replaced by any JSON value or left out. The guard (bot/platforms/slack/guard.py)
# refuses it with a reason, or the adapter reads it: no exception, and every id it hands on is text a database
# can store (a number for a team id, or JSON's `\udcff` in a user id, once failed every activity batch after it).
_DELETED = object()
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)
_TEAM = "T0FUZZ"
_SLACK_EVENTS = {
    "message": {"type": "message", "user": "U1", "text": "hi <@U2>", "ts": "1.1", "channel": "C1", "team": _TEAM,
                "thread_ts": "1.0", "parent_user_id": "U2"},
    "message_deleted": {"type": "message", "subtype": "message_deleted", "channel": "C1", "ts": "1.2",
                        "deleted_ts": "1.1", "previous_message": {"user": "U1", "ts": "1.1", "thread_ts": "1.0"}},
    "message_changed": {"type": "message", "subtype": "message_changed", "channel": "C1", "ts": "1.3",
                        "message": {"subtype": "tombstone", "user": "USLACKBOT", "ts": "1.1", "thread_ts": "1.1"},
                        "previous_message": {"user": "U1", "ts": "1.1"}},
    "team_join": {"type": "team_join", "user": {"id": "U3", "name": "c", "profile": {"display_name": "c"}}},
    "user_change": {"type": "user_change", "user": {"id": "U3", "deleted": True, "profile": {"real_name": "C"}}},
    "user_renamed": {"type": "user_change", "user": {"id": "U3", "profile": {"display_name": "c"}}},
    "member_joined_channel": {"type": "member_joined_channel", "user": "U3", "channel": "C1"},
    "reaction_added": {"type": "reaction_added", "user": "U2", "reaction": "x", "item_user": "U1",
                       "item": {"type": "message", "channel": "C1", "ts": "1.1"}},
    "app_home_opened": {"type": "app_home_opened", "user": "U1", "tab": "home"},
    "tokens_revoked": {"type": "tokens_revoked", "tokens": {"bot": ["U0BOT"]}},
}  # fmt: skip


def _paths(value: object, path: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    found: list[tuple[object, ...]] = [path] if path else []
    if isinstance(value, dict):
        found += [p for key, inner in value.items() for p in _paths(inner, (*path, key))]
    elif isinstance(value, list):
        found += [p for index, inner in enumerate(value) for p in _paths(inner, (*path, index))]
    return found


def _mutated(base: dict[str, object], path: tuple[object, ...], new: object) -> dict[str, object]:
    copy = json.loads(json.dumps(base))
    *parents, last = path
    holder = copy
    for key in parents:
        holder = holder[key]
    if new is _DELETED and isinstance(holder, dict):
        del holder[last]
    else:
        holder[last] = None if new is _DELETED else new
    return copy


def _stored_text(value: object) -> None:
    """Every string in a dispatched event is text a database can store."""
    if isinstance(value, str):
        value.encode("utf-8")
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            _stored_text(getattr(value, item.name))
    elif isinstance(value, tuple | list):
        for item in value:
            _stored_text(item)
    else:
        assert value is None or isinstance(value, bool | int | datetime), f"{value!r} handed on"


def _slack_events() -> tuple[SlackEvents, list[object]]:
    dispatched: list[object] = []

    async def dispatch(event: object) -> bool:
        dispatched.append(event)
        return True  # handled and kept, as Hearth.dispatch says

    async def conversations_info(channel: str) -> dict[str, object]:
        return {"channel": {"id": channel, "is_general": True}}

    async def member(community: CommunityRef, user_id: str) -> MemberRef:
        return MemberRef(community, user_id, user_id)

    async def nothing(*_: object) -> None:
        return None

    people = SimpleNamespace(
        author=lambda community, user_id: MemberRef(community, user_id, user_id),
        member=member,
        remember=lambda user: People.remember(SimpleNamespace(_profiles={}), user),  # type: ignore[arg-type]
        changed=lambda user: People.remember(SimpleNamespace(_profiles={}), user),  # type: ignore[arg-type]
    )
    platform = SimpleNamespace(
        people=people,
        community=lambda team_id: CommunityRef("slack", team_id, ""),
        hearth=SimpleNamespace(dispatch=dispatch, services=SimpleNamespace(identity=SimpleNamespace(renamed=nothing))),
        client=SimpleNamespace(conversations_info=conversations_info),
        interactions=SimpleNamespace(publish_home=nothing),
    )
    return SlackEvents(platform), dispatched  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", sorted(_SLACK_EVENTS))
@FUZZ
@given(data=st.data())
def test_a_signed_slack_event_is_refused_or_read(kind: str, data: st.DataObject) -> None:
    body = {"type": "event_callback", "team_id": _TEAM, "event_id": "Ev1", "event": _SLACK_EVENTS[kind]}
    path = data.draw(st.sampled_from(_paths(body)))
    changed = _mutated(body, path, data.draw(st.just(_DELETED) | JSON_VALUES))
    accepted, why = inspect(json.dumps(changed), "application/json")
    if accepted is None:
        assert why and "Error" not in why
        return
    event = accepted.get("event")
    if accepted.get("type") != "event_callback" or not isinstance(event, dict):
        return  # Bolt answers it: no listener matches
    events, dispatched = _slack_events()
    handlers = {
        "message": events.message, "team_join": events.team_join, "user_change": events.user_change,
        "member_joined_channel": events.member_joined_channel, "reaction_added": events.reaction_added,
        "app_home_opened": events.app_home_opened, "tokens_revoked": events.removed,
    }  # fmt: skip
    if handler := handlers.get(event.get("type", "")):
        asyncio.run(handler(accepted, event))
    for event in dispatched:
        _stored_text(event)


_SLACK_INTERACTIONS = {
    "block_actions": block_action_payload("U1", {"action_id": "board:next", "selected_options": [{"value": "a"}]}),
    "view_submission": view_submission_payload("U1", "intro", {"name": "Ann"}, '{"channel": "C1"}'),
    "command": command_payload("/kudos", "<@U2> thanks", "U1"),
}


@pytest.mark.parametrize("kind", sorted(_SLACK_INTERACTIONS))
@FUZZ
@given(data=st.data())
def test_a_signed_slack_interaction_is_refused_or_has_what_is_read(kind: str, data: st.DataObject) -> None:
    base: dict[str, object] = dict(_SLACK_INTERACTIONS[kind])
    path = data.draw(st.sampled_from(_paths(base)))
    changed = _mutated(base, path, data.draw(st.just(_DELETED) | JSON_VALUES))
    if kind == "command":
        text = urlencode(
            {key: value if isinstance(value, str) else json.dumps(value) for key, value in changed.items()}
        )
    else:
        text = urlencode({"payload": json.dumps(changed)})
    accepted, why = inspect(text, "application/x-www-form-urlencoded")
    assert accepted is None
    if why is not None:
        assert "Error" not in why
        return
    if kind == "block_actions":  # what SlackInteractions.action indexes
        assert isinstance(changed["team"]["id"], str) and isinstance(changed["user"]["id"], str)  # type: ignore[index]
        action = changed["actions"][0]  # type: ignore[index]
        assert isinstance(action["action_id"], str)
        for option in action.get("selected_options") or []:
            assert isinstance(option["value"], str)
    elif kind == "view_submission":
        view = changed["view"]
        assert isinstance(view, dict) and isinstance(view["id"], str) and isinstance(view["callback_id"], str)
