"""Slack as Hearth's Messenger, and Slack events as neutral events."""

from __future__ import annotations

import asyncio

import pytest

from bot.core.events import Event, MemberJoined, MessagePosted, ReactionAdded, ReactionRemoved
from bot.core.messenger import PlatformError
from bot.core.refs import ChannelRef, CommunityRef, MemberRef, RoleRef
from bot.core.reply import Card, Reply
from bot.core.runtime import Hearth
from tests.platforms.slack_fakes import TEAM, WAIT_SECONDS, MockSlackApi, SlackHarness, event_payload, message_event
from tests.platforms.test_slack import block_texts

COMMUNITY = CommunityRef("slack", TEAM)
GENERAL = ChannelRef(COMMUNITY, "C0GENERAL", "general")
BOB = MemberRef(COMMUNITY, "U0BOB", "bob")


async def test_send_edit_and_threads(slack: SlackHarness, slack_api: MockSlackApi) -> None:
    messenger = slack.platform.messenger
    ts = await messenger.send(GENERAL, Reply(card=Card(title="Ritual", description="What did you ship?")))
    thread = await messenger.start_thread(GENERAL, ts, "answers")
    assert thread.thread_id == ts
    await messenger.send(thread, Reply(text="**first!**"))
    await messenger.edit(GENERAL, ts, Reply(text="closed"))

    first, reply = slack_api.called("chat.postMessage")
    assert "thread_ts" not in first.params and block_texts(first) == "Ritual\nWhat did you ship?"
    assert reply.params["thread_ts"] == ts and block_texts(reply) == "*first!*"
    update = slack_api.called("chat.update")[0]
    assert (update.params["channel"], update.params["ts"], update.params["text"]) == ("C0GENERAL", ts, "closed")


async def test_direct_messages_and_closed_ones(slack: SlackHarness, slack_api: MockSlackApi) -> None:
    assert await slack.platform.messenger.send_dm(BOB, Reply(text="welcome!")) is not None
    assert slack_api.called("chat.postMessage")[0].params["channel"] == "DU0BOB"

    slack_api.errors["conversations.open"] = "cannot_dm_bot"
    assert await slack.platform.messenger.send_dm(BOB, Reply(text="hello?")) is None
    slack_api.errors["conversations.open"] = "missing_scope"
    with pytest.raises(PlatformError, match="lacks the `\\?` scope"):
        await slack.platform.messenger.send_dm(BOB, Reply(text="hello?"))


async def test_channels_instead_of_roles(slack: SlackHarness, slack_api: MockSlackApi) -> None:
    with pytest.raises(PlatformError, match="Slack has no roles"):
        await slack.platform.messenger.grant_role(BOB, RoleRef(COMMUNITY, "S0PY", "python"))

    await slack.platform.messenger.add_to_channel(BOB, GENERAL)
    invite = slack_api.called("conversations.invite")[0]
    assert (invite.params["channel"], invite.params["users"]) == ("C0GENERAL", "U0BOB")

    slack_api.errors["conversations.invite"] = "not_in_channel"
    slack_api.errors["conversations.join"] = "method_not_supported_for_channel_type"
    with pytest.raises(PlatformError, match="invite it with `/invite @Hearth`"):
        await slack.platform.messenger.add_to_channel(BOB, ChannelRef(COMMUNITY, "G0PRIVATE"))
    assert slack_api.called("conversations.join")

    slack_api.errors["conversations.invite"] = "already_in_channel"
    await slack.platform.messenger.add_to_channel(BOB, GENERAL)


async def test_events_become_neutral_events(slack: SlackHarness, slack_api: MockSlackApi, hearth: Hearth) -> None:
    slack_api.user("U0BOB", "bob")
    received: list[Event] = []
    arrived = asyncio.Condition()

    async def keep(event: Event) -> None:
        async with arrived:
            received.append(event)
            arrived.notify_all()

    for kind in (MessagePosted, MemberJoined, ReactionAdded, ReactionRemoved):
        hearth.registry.on(kind, keep)

    deliveries = [
        message_event("U0BOB", "from a bot", "1.1", bot_id="B1", subtype="bot_message"),
        message_event("U0BOB", "edited", "1.2", subtype="message_changed"),
        message_event("U0BOB", "in a thread", "1.3", thread_ts="1.0"),
        {"type": "team_join", "user": {"id": "U0NEW", "name": "nina", "profile": {"display_name": "Nina"}}},
        {"type": "member_joined_channel", "user": "U0BOB", "channel": "C0GENERAL", "team": TEAM},
        {
            "type": "reaction_added",
            "user": "U0BOB",
            "reaction": "tada",
            "item_user": "U0ALICE",
            "item": {"type": "message", "channel": "C0GENERAL", "ts": "1.3"},
        },
        {
            "type": "reaction_removed",
            "user": "U0BOB",
            "reaction": "tada",
            "item": {"type": "message", "channel": "C0GENERAL", "ts": "1.3"},
        },
    ]
    # Slack's own lines, authored by the member they are about, are not speech (as Discord's types 7 and 6).
    system = [
        message_event("U0BOB", "<@U0BOB> has joined the channel", "1.01", subtype="channel_join"),
        message_event("U0BOB", "<@U0BOB> pinned a message", "1.02", subtype="pinned_item"),
    ]
    for number, event in enumerate(system):
        assert (await slack.requests.event(event_payload(event, f"Sys{number}"))).status == 200
    for number, event in enumerate(deliveries):
        response = await slack.requests.event(event_payload(event, f"Ev{number}"))
        assert response.status == 200
    async with arrived:
        await asyncio.wait_for(arrived.wait_for(lambda: len(received) >= 5), WAIT_SECONDS)

    by_id = {event.event_id: event for event in received}
    # No bot messages, no edits; a reaction is keyed by message, member and emoji, as on Discord, so that reacting
    # again after taking it back counts once.
    added_id, removed_id = "reaction_added:C0GENERAL:1.3:U0BOB:tada", "reaction_removed:C0GENERAL:1.3:U0BOB:tada"
    assert set(by_id) == {"Ev2", "Ev3", "Ev4", added_id, removed_id}
    threaded = by_id["Ev2"]
    assert isinstance(threaded, MessagePosted)
    assert (threaded.thread_id, threaded.channel.thread_id, threaded.message_id) == ("1.0", "1.0", "1.3")
    # A message's author is recorded under their id at once; their name follows users.info (not awaited).
    assert threaded.author.external_id == "U0BOB"
    joined = by_id["Ev3"]
    assert isinstance(joined, MemberJoined) and joined.member.display_name == "Nina"
    assert isinstance(by_id["Ev4"], MemberJoined)
    added = by_id[added_id]
    assert isinstance(added, ReactionAdded) and added.emoji == ":tada:"
    assert added.message_author is not None and added.message_author.external_id == "U0ALICE"
    assert isinstance(by_id[removed_id], ReactionRemoved)
