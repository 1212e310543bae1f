"""Slack events as neutral events: messages, joins, reactions, and the App Home being opened."""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from bot.core.events import (
    CommunityRemoved,
    Event,
    MemberJoined,
    MemberLeft,
    MessageDeleted,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
)
from bot.core.refs import ChannelRef, CommunityRef, MemberRef
from bot.platforms.slack.guard import NotKept
from bot.platforms.slack.messenger import error_code
from bot.platforms.slack.text import from_slack_text, mentioned_ids

if TYPE_CHECKING:
    from bot.platforms.slack.app import SlackPlatform

log = logging.getLogger(__name__)

# Message subtypes a person wrote; the rest (edits, joins, bots, ...) are not activity.
HUMAN_SUBTYPES = {None, "thread_broadcast", "file_share"}
# Recent messages' authors by (channel, ts), for a thread reply whose event does not name the parent's author:
# ids only, no text, and bounded (the oldest are forgotten first).
_RECENT_AUTHORS = 20_000
SLACKBOT = "USLACKBOT"  # the author Slack gives a deleted message's tombstone


class SlackEvents:
    def __init__(self, platform: SlackPlatform) -> None:
        self.platform = platform
        self.people = platform.people
        self._general: dict[str, bool] = {}  # channel id -> is it the workspace's general channel
        self._authors: OrderedDict[tuple[str, str], str] = OrderedDict()

    def register(self) -> None:
        app = self.platform.app
        app.event("message")(self.message)
        app.event("team_join")(self.team_join)
        app.event("member_joined_channel")(self.member_joined_channel)
        app.event("reaction_added")(self.reaction_added)
        app.event("reaction_removed")(self.reaction_removed)
        app.event("app_home_opened")(self.app_home_opened)
        app.event("user_change")(self.user_change)
        app.event("app_uninstalled")(self.removed)
        app.event("tokens_revoked")(self.removed)
        # An event Hearth does not subscribe to (an admin added it in the app's settings) is answered 200 with one
        # line: Bolt's 404 had Slack send it again, three times, and Slack turns off the subscriptions of an app
        # that fails most of its events.
        app.event(re.compile(".*"))(self._not_handled)

    async def _not_handled(self, event: dict[str, Any]) -> None:
        log.info("Slack event `%s` is nothing Hearth handles: answered, nothing done", event.get("type"))

    async def _dispatch(self, event: Event, delivery: str | None = None) -> None:
        """Hand `event` to Hearth; raises NotKept when the database was locked or out of reach for some of its
        handling, so that Slack is answered 500 and sends it again (Bolt's error handler and the guard say so).
        `delivery`: Slack's event id, where Hearth's event is keyed otherwise (a reaction), for the log line."""
        if not await self.platform.hearth.dispatch(event):
            raise NotKept(
                f"Slack event {delivery or event.event_id} not kept (the database was locked or out of reach);"
                " answered 500 so that Slack sends it again"
            )

    async def message(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("subtype") == "message_deleted":
            await self.message_deleted(body, event)
            return
        if event.get("subtype") == "message_changed" and (event.get("message") or {}).get("subtype") == "tombstone":
            await self.message_tombstoned(body, event)
            return
        if event.get("bot_id") or event.get("subtype") not in HUMAN_SUBTYPES or not event.get("user"):
            return
        community = self.platform.community(body.get("team_id") or event.get("team") or "")
        text = event.get("text") or ""
        thread = event.get("thread_ts")
        mentions = tuple(MemberRef(community, user_id) for user_id in mentioned_ids(text))
        self._authors[(event["channel"], event["ts"])] = event["user"]
        if len(self._authors) > _RECENT_AUTHORS:
            self._authors.popitem(last=False)
        answered: MemberRef | None = None
        if thread and thread != event["ts"]:  # a reply in a thread; the parent's ts is the thread's
            parent = event.get("parent_user_id") or self._authors.get((event["channel"], thread))
            answered = self.people.author(community, parent) if parent else None
        await self._dispatch(
            MessagePosted(
                body["event_id"],
                self.people.author(community, event["user"]),
                ChannelRef(community, event["channel"], thread_id=thread),
                event["ts"],  # unique within its channel (the activity key adds the channel)
                from_slack_text(text),
                thread,
                mentions,
                answered,
                thread if thread and thread != event["ts"] else None,
            )
        )

    async def message_deleted(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """`deleted_ts` is the message's own ts (MessagePosted's message_id); `previous_message` says whose."""
        deleted = event.get("deleted_ts") or (event.get("previous_message") or {}).get("ts")
        if not deleted or not event.get("channel"):
            return
        community = self.platform.community(body.get("team_id") or event.get("team") or "")
        previous = event.get("previous_message") or {}
        channel = ChannelRef(community, event["channel"], thread_id=previous.get("thread_ts"))
        await self._dispatch(MessageDeleted(body["event_id"], channel, deleted, self._author_of(community, previous)))

    async def message_tombstoned(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """A deleted message that has thread replies stays as Slack's tombstone ("This message was deleted."), sent
        as `message_changed`, not `message_deleted`: it is a deletion all the same, as on Discord (until 2026-12-02
        what the message earned stayed). `message` is the tombstone, under the message's own ts; `previous_message`
        the message as it was, whose author it names."""
        tombstone = event["message"]
        if not tombstone.get("ts"):
            return
        community = self.platform.community(body.get("team_id") or event.get("team") or "")
        channel = ChannelRef(community, event["channel"], thread_id=tombstone.get("thread_ts"))
        author = self._author_of(community, event.get("previous_message") or {})
        await self._dispatch(MessageDeleted(body["event_id"], channel, tombstone["ts"], author))

    def _author_of(self, community: CommunityRef, message: dict[str, Any]) -> MemberRef | None:
        """Whose a message was, as an event describing it says; Slackbot's is a tombstone's, nobody's message."""
        user = message.get("user")
        return self.people.author(community, user) if user and user != SLACKBOT else None

    async def team_join(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        user = event["user"]
        found = self.people.remember(user)
        community = self.platform.community(body.get("team_id") or user.get("team_id") or "")
        # A join is delivered as it happens: Hearth's clock gives its time (the anniversary counts from it).
        await self._dispatch(MemberJoined(body["event_id"], MemberRef(community, user["id"], found.name, found.is_bot)))

    async def user_change(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """A deactivated account has left the workspace (a reactivated one comes back with its next join); a new
        display name is shown from now on, as on Discord (until 2026-12-02 the first one seen, until a restart)."""
        user = event["user"]
        community = self.platform.community(body.get("team_id") or user.get("team_id") or "")
        if not user.get("deleted"):
            if (profile := self.people.changed(user)) is not None:
                await self.platform.hearth.services.identity.renamed(
                    MemberRef(community, user["id"], profile.name, profile.is_bot)
                )
            return
        found = self.people.remember(user)
        await self._dispatch(MemberLeft(body["event_id"], MemberRef(community, user["id"], found.name, found.is_bot)))

    async def removed(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """`app_uninstalled` or `tokens_revoked` (for the bot's token): Hearth is gone from the workspace."""
        if event.get("type") == "tokens_revoked" and not event.get("tokens", {}).get("bot"):
            return  # only a user's token was revoked: Hearth is still there
        community = self.platform.community(body.get("team_id") or "")
        await self._dispatch(CommunityRemoved(body["event_id"], community))

    async def member_joined_channel(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """Joining the workspace's general channel is joining the community: every newcomer lands there.

        A newcomer therefore produces this and `team_join`; the onboarding cog starts one journey per member,
        so that is one onboarding. Joining any other channel (one Hearth invited them to, say) is not joining.
        """
        if not await self._is_general(event["channel"]):
            return
        community = self.platform.community(body.get("team_id") or event.get("team") or "")
        member = await self.people.member(community, event["user"])
        await self._dispatch(MemberJoined(body["event_id"], member))

    async def _is_general(self, channel_id: str) -> bool:
        known = self._general.get(channel_id)
        if known is None:
            try:
                found = await self.platform.client.conversations_info(channel=channel_id)
            except SlackApiError as error:
                # Not cached: team_join still reports newcomers, and the next join asks again.
                log.warning("conversations.info %s failed: %s", channel_id, error_code(error))
                return False
            known = self._general[channel_id] = bool(found["channel"].get("is_general"))
        return known

    async def app_home_opened(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("tab") != "home":
            return  # the Messages tab
        community = self.platform.community(body.get("team_id") or event.get("team") or "")
        member = await self.people.member(community, event["user"])
        await self.platform.interactions.publish_home(member, body["event_id"])

    async def reaction_added(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        await self._reaction(ReactionAdded, body, event)

    async def reaction_removed(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        await self._reaction(ReactionRemoved, body, event)

    async def _reaction(
        self, kind: type[ReactionAdded] | type[ReactionRemoved], body: dict[str, Any], event: dict[str, Any]
    ) -> None:
        item = event.get("item") or {}
        if item.get("type") != "message" or str(item.get("channel", "")).startswith("D"):
            return  # a reaction on a file, or in a direct message: not community activity (as on Discord)
        community = self.platform.community(body.get("team_id") or "")
        author = await self.people.member(community, event["item_user"]) if event.get("item_user") else None
        # Stable per (message, member, emoji), as on Discord: reacting, unreacting and reacting again counts once in
        # health's reactions (each of Slack's deliveries has an event id of its own: until 2026-12-02 it counted twice).
        event_id = f"{event.get('type')}:{item['channel']}:{item['ts']}:{event['user']}:{event['reaction']}"
        await self._dispatch(
            kind(
                event_id,
                await self.people.member(community, event["user"]),
                ChannelRef(community, item["channel"]),
                item["ts"],
                # As its shortcode, which Slack shows as the emoji: a reply naming it (`Your :raised_hands: gave no
                # kudos`) reads as Discord's and the console's with the character, not as the bare name.
                f":{event['reaction']}:",
                author,
            ),
            body.get("event_id"),
        )
