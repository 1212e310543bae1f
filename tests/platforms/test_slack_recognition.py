"""Recognition on Slack: rank cards uploaded as files, reaction kudos and deleted messages."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import col

from bot.core.refs import ChannelRef, CommunityRef, MemberRef
from bot.core.reply import Attachment, Card, Reply
from bot.core.runtime import Hearth
from storage.models import Contribution
from tests.platforms.slack_fakes import TEAM, MockSlackApi, SlackHarness, event_payload, message_event, running_slack
from tests.platforms.test_slack import block_texts

COMMUNITY = CommunityRef("slack", TEAM)
GENERAL = ChannelRef(COMMUNITY, "C0GENERAL", "general")
PNG = b"\x89PNG\r\n\x1a\n" + b"x" * 100


async def points_of(hearth: Hearth, kind: str) -> int:
    async with hearth.db.read() as session:
        query = select(func.coalesce(func.sum(col(Contribution.points)), 0)).where(col(Contribution.kind) == kind)
        return int((await session.execute(query)).scalar_one())


async def test_rank_card_is_uploaded_into_the_channel_with_the_reply(
    slack: SlackHarness, slack_api: MockSlackApi
) -> None:
    slack_api.user("U0ALICE", "alice")
    slack_api.user("U0BOB", "bob")
    await slack.command("/kudos", "<@U0BOB|bob> thanks", "U0ALICE")
    rank = await slack.command("/rank", "<@U0BOB|bob>", "U0ALICE")
    assert rank.method == "chat.postMessage" and "*Level*\n0 · Newcomer (10/100 to 1)" in block_texts(rank)
    await slack_api.wait_for("files.completeUploadExternal")
    [card] = slack_api.shared_files("C0GENERAL")
    # files_upload_v2's three steps: the URL asked for, the bytes sent there, the file shared.
    assert card.filename == "rank.png" and card.data.startswith(b"\x89PNG") and len(card.data) == card.length
    assert card.alt_txt == "bob's rank card: level 0"


async def test_a_private_answers_files_go_by_dm_and_it_says_so(slack: SlackHarness, slack_api: MockSlackApi) -> None:
    messenger = slack.platform.messenger
    # The messenger sends a card's image and a reply's files into the same conversation and thread.
    await messenger.send(
        ChannelRef(COMMUNITY, "C0GENERAL", thread_id="1.5"),
        Reply(card=Card(title="Chart", image=PNG), files=(Attachment("export.csv", b"a,b\n1,2\n"),)),
    )
    shared = slack_api.shared_files("C0GENERAL")
    assert [(f.filename, f.thread_ts, f.data[:4]) for f in shared] == [
        ("image.png", "1.5", b"\x89PNG"),
        ("export.csv", "1.5", b"a,b\n"),
    ]
    # Slack has no ephemeral files: a private answer's file goes to the DM, and the answer says so.
    await messenger.send_dm(MemberRef(COMMUNITY, "U0CAROL"), Reply(text="here", files=(Attachment("a.txt", b"hi"),)))
    assert [f.filename for f in slack_api.shared_files("DU0CAROL")] == ["a.txt"]


async def test_reaction_kudos_and_a_deleted_message(slack: SlackHarness, slack_api: MockSlackApi) -> None:
    hearth = slack.platform.hearth
    slack_api.user("U0ALICE", "alice")
    slack_api.user("U0BOB", "bob")
    slack_api.user("U0HEARTH", "hearth", is_bot=True)

    def reaction(user: str, author: str, ts: str, channel: str = "C0GENERAL") -> dict[str, object]:
        return {
            "type": "reaction_added",
            "user": user,
            "reaction": "raised_hands",  # Slack's name for the default kudos emoji 🙌
            "item_user": author,
            "item": {"type": "message", "channel": channel, "ts": ts},
        }

    events = [
        message_event("U0BOB", "the fix is in", "1.1"),
        reaction("U0ALICE", "U0BOB", "1.1"),
        reaction("U0ALICE", "U0BOB", "1.1"),  # the same reaction again (a redelivery with a new event id)
        reaction("U0ALICE", "U0HEARTH", "1.2"),  # a bot's message
        reaction("U0ALICE", "U0ALICE", "1.3"),  # her own message
        reaction("U0ALICE", "U0BOB", "1.4", channel="D0BOB"),  # in a DM
    ]
    for number, event in enumerate(events):
        assert (await slack.requests.event(event_payload(event, f"Ev{number}"))).status == 200
    assert await points_of(hearth, "kudos_received") == 10

    deleted = {
        "type": "message",
        "subtype": "message_deleted",
        "channel": "C0GENERAL",
        "deleted_ts": "1.1",
        "previous_message": {"type": "message", "user": "U0BOB", "ts": "1.1", "text": "the fix is in"},
    }
    assert (await slack.requests.event(event_payload(deleted, "EvDel"))).status == 200
    assert await points_of(hearth, "kudos_void") == -10
    assert await points_of(hearth, "message_void") == -1


async def test_a_deleted_message_with_replies_voids_what_it_earned(
    slack: SlackHarness, slack_api: MockSlackApi
) -> None:
    """Slack keeps a deleted message that has thread replies as a tombstone ("This message was deleted."), sent as
    `message_changed`, not `message_deleted`: it voids what the message earned all the same, as on Discord (until
    2026-12-02 its kudos and activity points stayed). Taking the tombstone away later (its last reply deleted) voids
    nothing again, and an ordinary edit voids nothing."""
    hearth = slack.platform.hearth
    slack_api.user("U0ALICE", "alice")
    slack_api.user("U0BOB", "bob")
    original: dict[str, object] = {
        "type": "message",
        "user": "U0BOB",
        "ts": "1.1",
        "text": "the fix is in",
        "thread_ts": "1.1",
    }
    tombstone: dict[str, object] = {
        "type": "message",
        "subtype": "tombstone",
        "user": "USLACKBOT",
        "text": "This message was deleted.",
        "hidden": True,
        "ts": "1.1",
        "thread_ts": "1.1",
        "reply_count": 1,
    }
    edited: dict[str, object] = {**original, "text": "the fix is in (edited)", "edited": {"user": "U0BOB", "ts": "1.5"}}

    def changed(message: dict[str, object], previous: dict[str, object]) -> dict[str, object]:
        return {
            "type": "message",
            "subtype": "message_changed",
            "hidden": True,
            "channel": "C0GENERAL",
            "ts": "1.9",
            "message": message,
            "previous_message": previous,
        }

    events = [
        message_event("U0BOB", "the fix is in", "1.1"),
        {
            "type": "reaction_added",
            "user": "U0ALICE",
            "reaction": "raised_hands",
            "item_user": "U0BOB",
            "item": {"type": "message", "channel": "C0GENERAL", "ts": "1.1"},
        },
        message_event("U0ALICE", "nice", "1.2", thread_ts="1.1", parent_user_id="U0BOB"),
        changed(edited, original),
    ]
    for number, event in enumerate(events):
        assert (await slack.requests.event(event_payload(event, f"Ev{number}"))).status == 200
    assert await points_of(hearth, "kudos_void") == 0 and await points_of(hearth, "message_void") == 0

    assert (await slack.requests.event(event_payload(changed(tombstone, edited), "EvGone"))).status == 200
    assert await points_of(hearth, "kudos_void") == -10
    assert await points_of(hearth, "message_void") == -1
    removed = {
        "type": "message",
        "subtype": "message_deleted",
        "hidden": True,
        "channel": "C0GENERAL",
        "deleted_ts": "1.1",
        "previous_message": tombstone,
    }
    assert (await slack.requests.event(event_payload(removed, "EvTombstoneGone"))).status == 200
    assert await points_of(hearth, "kudos_void") == -10
    assert await points_of(hearth, "message_void") == -1


async def test_a_reaction_refused_is_named_as_the_emoji(slack: SlackHarness, slack_api: MockSlackApi) -> None:
    """The DM naming a reaction that gave nothing shows the emoji, as on Discord (`Your 🙌 gave no kudos`); it
    read `Your raised_hands::skin-tone-4 gave no kudos`, Slack's bare name."""
    for user, name in (("U0ADMIN", "admin"), ("U0ALICE", "alice"), ("U0BOB", "bob"), ("U0CAROL", "carol")):
        slack_api.user(user, name, is_admin=user == "U0ADMIN")
    await slack.command("/config", "set kudos_daily_limit 1", "U0ADMIN")
    for number, (author, ts) in enumerate((("U0BOB", "1.1"), ("U0CAROL", "1.2"))):
        await slack.requests.event(event_payload(message_event(author, "the fix is in", ts), f"Msg{number}"))
        reaction = {
            "type": "reaction_added",
            "user": "U0ALICE",
            "reaction": "raised_hands::skin-tone-4",
            "item_user": author,
            "item": {"type": "message", "channel": "C0GENERAL", "ts": ts},
        }
        assert (await slack.requests.event(event_payload(reaction, f"Ev{number}"))).status == 200
    refused = await slack_api.wait_for("chat.postMessage", lambda call: call.params["channel"] == "DU0ALICE")
    assert refused.params["text"].startswith("Your :raised_hands::skin-tone-4: gave no kudos: You've given your only")
    assert await points_of(slack.platform.hearth, "kudos_received") == 10


async def test_a_moderator_may_not_lock_an_admins_kudos_giving(hearth: Hearth, slack_api: MockSlackApi) -> None:
    """The target's level is read as Slack commands read it: workspace admins, moderator user groups."""
    slack_api.user("U0MAX", "max")
    slack_api.user("U0BOSS", "boss", is_admin=True)
    slack_api.usergroups["S0MODS"] = ["U0MAX"]
    async with running_slack(hearth, slack_api, slack_moderator_groups="S0MODS") as slack:
        refused = await slack.command("/recognition", "lock <@U0BOSS|boss>", "U0MAX")
        assert "Sorry, <@U0BOSS> is an admin: moderators can lock only members' kudos giving." in block_texts(refused)
        done = await slack.command("/recognition", "lock <@U0MAX|max>", "U0BOSS")
        assert "max can no longer give kudos" in block_texts(done)


async def test_a_lock_is_refused_when_slack_cannot_say_who_the_member_is(
    hearth: Hearth, slack_api: MockSlackApi
) -> None:
    """Until 2026-12-01 a users.info that failed read the admin as a member, and the moderator's lock went through."""
    slack_api.user("U0MAX", "max")
    slack_api.user("U0BOSS", "boss", is_admin=True)
    slack_api.usergroups["S0MODS"] = ["U0MAX"]
    async with running_slack(hearth, slack_api, slack_moderator_groups="S0MODS") as slack:
        slack_api.errors["users.info"] = "fatal_error"
        refused = await slack.command("/recognition", "lock <@U0BOSS|boss>", "U0MAX")
        assert "Slack did not say just now whether they are an admin or a moderator" in block_texts(refused)
        assert "Nothing was changed." in block_texts(refused)
        del slack_api.errors["users.info"]
        kudos = await slack.command("/kudos", "<@U0MAX|max> thanks", "U0BOSS")
        assert "kudos" in block_texts(kudos).lower() and "paused" not in block_texts(kudos)
