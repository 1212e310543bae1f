"""Slash commands, buttons and menus, and modal submissions: Slack payloads as invocations for the core's
inbound pipeline, and the outboxes it answers through.

Every slash command is acknowledged once it has run (or after ANSWER_WITHIN_SECONDS, whichever is first): private
replies through the command's `response_url` (or `chat.postEphemeral`), public ones with `chat.postMessage`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.core.events import ComponentClicked, FormSubmitted, MemberLeft
from bot.core.inbound import Invocation
from bot.core.messenger import PlatformError
from bot.core.refs import ChannelRef, CommunityRef, MemberRef
from bot.core.reply import Card, Form, Reply
from bot.platforms.slack.blocks import home_view, message_payload, modal_view, submission_errors, submitted_values
from bot.platforms.slack.messenger import SlackMessenger, attachments, error_code, reachable, refusal
from bot.platforms.slack.text import from_slack_text, resolve

if TYPE_CHECKING:
    from bot.platforms.slack.app import SlackPlatform

log = logging.getLogger(__name__)
Ack = Callable[..., Awaitable[None]]
# How long a command, click or form may run before Slack gets its answer anyway: Slack wants it within 3 seconds
# (counted on its side, network included) and shows the member an error past them.
ANSWER_WITHIN_SECONDS = 2.0
_BARE_MENTION = re.compile(r"<@([UW][A-Z0-9]+)>")


async def _acknowledged(**_: Any) -> None:
    """The `ack` a handler gets: its listener answers Slack itself (`_answered_when_done`)."""


@dataclass(frozen=True)
class SlackOutbox:
    """Answers to the person who acted in a channel (or a DM with Hearth)."""

    client: AsyncWebClient
    session: aiohttp.ClientSession
    messenger: SlackMessenger
    invocation: Invocation
    trigger_id: str | None = None
    response_url: str | None = None

    @reachable
    async def modal(self, form: Form) -> bool:
        if not self.trigger_id:
            return False
        channel = self.invocation.channel
        metadata = {"channel": channel.external_id} if channel else {}
        if channel and channel.thread_id:
            metadata["thread"] = channel.thread_id
        try:
            await self.client.views_open(trigger_id=self.trigger_id, view=modal_view(form, metadata))
        except SlackApiError as error:
            raise refusal(error, "try again") from None
        return True

    @reachable
    async def ephemeral(self, reply: Reply) -> None:
        reply = await self._files_by_dm(reply)
        if self.response_url:
            await self._respond(reply)
            return
        channel = self.invocation.channel
        if channel is None:
            raise PlatformError("there is no channel to answer in")
        try:
            await self.client.chat_postEphemeral(
                channel=channel.external_id,
                user=self.invocation.author.external_id,
                thread_ts=channel.thread_id,
                **message_payload(reply),
            )
        except SlackApiError as error:  # e.g. the member is not in that channel
            raise refusal(error, "try again") from None

    async def public(self, reply: Reply) -> None:
        channel = self.invocation.channel
        if channel is None:
            raise PlatformError("there is no channel to post in")
        try:
            await self.messenger.send(channel, reply)
        except PlatformError:
            # A DM or a private channel Hearth is not in: the command's response_url still works there.
            if not self.response_url:
                raise
            await self._respond(await self._files_by_dm(reply), public=True)

    async def _files_by_dm(self, reply: Reply) -> Reply:
        """Slack has no ephemeral files: a private answer's files (a rank card) go to the person's DM with
        Hearth, and the answer says so. Without a DM the answer still comes, saying the file could not."""
        count = len(attachments(reply))
        if not count:
            return reply
        sent = await self.messenger.upload_to_dm(self.invocation.author, reply)
        # `/health show` sends three charts: "the file" would have the admin look for one.
        files = "the file" if count == 1 else f"the {count} files"
        note = (
            f"_Slack shows files to everyone in a channel, so I sent {files} to your DMs with Hearth._"
            if sent
            else f"_I could not send you {files}: your DMs with Hearth are closed._"
        )
        return replace(reply, text=f"{reply.text}\n{note}".strip(), files=(), card=_without_image(reply.card))

    async def quiet(self) -> None:
        """Slack was acknowledged already."""

    @reachable
    async def _respond(self, reply: Reply, public: bool = False) -> None:
        assert self.response_url is not None
        webhook = AsyncWebhookClient(url=self.response_url, session=self.session)
        answer = await webhook.send(
            response_type="in_channel" if public else "ephemeral", replace_original=False, **message_payload(reply)
        )
        if answer.status_code != 200:
            raise PlatformError(f"response_url answered {answer.status_code}")


@dataclass(frozen=True)
class HomeOutbox:
    """Answers to a click on the App Home: the page itself changes, with the answer's words on top."""

    interactions: SlackInteractions
    outbox: SlackOutbox

    async def modal(self, form: Form) -> bool:
        return await self.outbox.modal(form)

    async def ephemeral(self, reply: Reply) -> None:
        await self._publish(reply)

    async def public(self, reply: Reply) -> None:
        await self._publish(reply)

    async def quiet(self) -> None:
        await self._publish(None)

    async def _publish(self, reply: Reply | None) -> None:
        invocation = self.outbox.invocation
        await self.interactions.publish_home(invocation.author, invocation.invocation_id, _notice(reply))


def _without_image(card: Card | None) -> Card | None:
    return replace(card, image=None) if card is not None and card.image else card


def _notice(reply: Reply | None) -> Reply | None:
    """What to show on top of the App Home after a click there: the answer's words (its card, usually the
    section that was clicked, is on the page below already), or the whole answer when it has no words."""
    if reply is None or not reply.text:
        return reply
    return replace(reply, card=None, buttons=(), select=None)


class SlackInteractions:
    def __init__(self, platform: SlackPlatform) -> None:
        self.platform = platform
        self.hearth = platform.hearth
        self.people = platform.people
        self._handling: set[asyncio.Task[None]] = set()  # commands and clicks answered, still running

    def register(self) -> None:
        app = self.platform.app
        # Every slash command, Hearth's or not: one the Slack app still has but this Hearth does not (its feature
        # left out of HEARTH_COGS, an older manifest's) is answered "I don't know the command" by the core, not
        # with Bolt's 404, which Slack shows the member as an error.
        app.command(re.compile(".*"))(self._after_ack(self.command))
        app.block_action(re.compile(".*"))(self._after_ack(self.action))
        app.view(re.compile(".*"))(self.view)
        # Hearth declares no shortcuts, closable modals or external selects; one an admin adds in Slack's settings
        # is answered (200) with one line logged, not Bolt's 404 (Slack then shows the member an error) and its
        # warning suggesting code to write. So are the older kinds of click (a legacy attachment's button, a
        # dialog) Bolt's `action` also matches: Hearth sends none, and `action` reads only Block Kit's.
        app.action(re.compile(".*"))(self._not_offered)
        app.shortcut(re.compile(".*"))(self._not_offered)
        app.view_closed(re.compile(".*"))(self._not_offered)
        app.options(re.compile(".*"))(self._no_options)

    async def _not_offered(self, ack: Ack, body: dict[str, Any]) -> None:
        await ack()
        log.info("Slack %s `%s` is nothing Hearth offers: answered, nothing done", body.get("type"), _callback(body))

    async def _no_options(self, ack: Ack, body: dict[str, Any]) -> None:
        await ack(options=[])
        log.info("Slack asked for options of `%s`, which Hearth offers none of", body.get("action_id"))

    def _after_ack(self, handler: Callable[[Ack, dict[str, Any]], Awaitable[None]]) -> Callable[..., Awaitable[None]]:
        """Run `handler` and answer Slack once it is done, or after ANSWER_WITHIN_SECONDS (`_answered_when_done`)."""

        async def listener(ack: Ack, body: dict[str, Any]) -> None:
            await self._answered_when_done(ack, handler, body)

        return listener

    async def _answered_when_done(
        self, ack: Ack, handler: Callable[[Ack, dict[str, Any]], Awaitable[None]], body: dict[str, Any]
    ) -> None:
        """Slack's empty answer (200) to a command, click or form once its work is done — its writes committed, its
        reply posted — so that what Slack was told went through survives a `kill -9` (Slack never sends a command,
        click or form again). Work still running after ANSWER_WITHIN_SECONDS (a start-up catch-up, a chart) is
        answered then, inside Slack's 3 seconds, and finishes after. Until 2026-12-02 every one was answered at once,
        and a `kill -9` 30-200 ms after the answer lost the command (more behind a burst of commands)."""
        task = asyncio.ensure_future(self._when_ready(handler, body))
        self._handling.add(task)
        task.add_done_callback(self._handling.discard)
        await asyncio.wait({task}, timeout=ANSWER_WITHIN_SECONDS)  # a timeout leaves the task running
        await ack()

    async def _when_ready(
        self, handler: Callable[[Ack, dict[str, Any]], Awaitable[None]], body: dict[str, Any]
    ) -> None:
        await self.hearth.hooks_done()
        await handler(_acknowledged, body)

    def _outbox(self, invocation: Invocation, trigger_id: str | None, response_url: str | None) -> SlackOutbox:
        platform = self.platform
        return SlackOutbox(
            platform.client, platform.session, platform.messenger, invocation, trigger_id, response_url or None
        )

    async def _neutral_options(self, community: CommunityRef, options: dict[str, object]) -> dict[str, object]:
        """Mentioned members get their display name and bot flag (kudos to a bot is refused); text is plain,
        a bare mention in it (`<@U1>`, as newer clients send) read as `@name`, never as an id."""
        resolved = dict(options)
        for name, value in options.items():
            if isinstance(value, MemberRef):
                resolved[name] = mentioned = await self.people.member(value.community, value.external_id)
                await self._left_unheard(mentioned)
            elif isinstance(value, str):
                for user_id in dict.fromkeys(_BARE_MENTION.findall(value)):
                    member = await self.people.member(community, user_id)
                    value = value.replace(f"<@{user_id}>", f"<@{user_id}|{member.display_name or user_id}>")
                resolved[name] = from_slack_text(value)
        return resolved

    async def _left_unheard(self, member: MemberRef) -> None:
        """A member users.info reports deactivated, whom Hearth counts as there, left while it was not listening
        (Slack sends no `user_change` to an app that is down): recorded now, before the command runs, so that
        `/kudos` to them is refused as to anyone who left (until 2026-12-02 it was accepted)."""
        profile = await self.people.profile(member.external_id)
        identity = self.hearth.services.identity
        if profile.deactivated and not identity.departed((await identity.member(member)).id):
            moment = datetime.now(UTC).isoformat()
            await self.hearth.dispatch(MemberLeft(f"deactivated:{member.external_id}:{moment}", member))

    async def command(self, ack: Ack, body: dict[str, Any]) -> None:
        await ack()
        community = self.platform.community(body["team_id"])
        author = await self.people.member(community, body["user_id"])
        invocation = Invocation(
            author,
            ChannelRef(community, body["channel_id"], body.get("channel_name") or ""),
            await self.people.level(author.external_id),
            # Slack has no stable id for a slash command; the trigger id is unique per invocation.
            body["trigger_id"],
        )
        line = f"{body['command'].lstrip('/')} {body.get('text') or ''}"
        reply = await self.hearth.inbound.text_command(
            invocation, line, partial(resolve, community), partial(self._neutral_options, community), from_slack_text
        )
        outbox = self._outbox(invocation, body.get("trigger_id"), body.get("response_url"))
        await self.hearth.inbound.deliver(invocation, outbox, reply)

    async def action(self, ack: Ack, body: dict[str, Any]) -> None:
        await ack()
        action = body["actions"][0]
        community = self.platform.community(body["team"]["id"])
        channel_id = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        channel = ChannelRef(community, channel_id) if channel_id else None
        author = await self.people.member(community, body["user"]["id"])
        invocation = Invocation(author, channel, await self.people.level(author.external_id), body["trigger_id"])
        if "selected_options" in action:
            values = tuple(option["value"] for option in action["selected_options"])
        elif "selected_option" in action:
            values = (action["selected_option"]["value"],)
        else:
            values = ()
        event = ComponentClicked(
            body["trigger_id"],
            author,
            channel,
            action["action_id"],
            values,
            (body.get("container") or {}).get("message_ts"),
        )
        reply = await self.hearth.inbound.click(invocation, event)
        outbox = self._outbox(invocation, body.get("trigger_id"), body.get("response_url"))
        on_home = (body.get("view") or {}).get("type") == "home"
        await self.hearth.inbound.deliver(invocation, HomeOutbox(self, outbox) if on_home else outbox, reply)

    async def view(self, ack: Ack, body: dict[str, Any]) -> None:
        errors = submission_errors(body["view"])
        if errors:
            await ack(response_action="errors", errors=errors)  # the modal stays open, showing them
            return
        # Closes the modal; the answer comes as a message. As for commands and clicks, the modal closes once the
        # submission is kept, or after ANSWER_WITHIN_SECONDS: a submission that posts a card and opens its thread
        # must not keep Slack waiting past its 3 seconds (Slack then shows the person an error in the modal,
        # which stays open, though it went through).
        await self._answered_when_done(ack, self.submitted, body)

    async def submitted(self, ack: Ack, body: dict[str, Any]) -> None:
        """A modal submitted without errors (`view`), once Slack has had its answer."""
        view = body["view"]
        community = self.platform.community(body["team"]["id"])
        try:
            opened_in = json.loads(view.get("private_metadata") or "{}")
        except ValueError:
            opened_in = {}
        channel = (
            ChannelRef(community, opened_in["channel"], thread_id=opened_in.get("thread"))
            if isinstance(opened_in, dict) and opened_in.get("channel")
            else None
        )
        author = await self.people.member(community, body["user"]["id"])
        event = FormSubmitted(view["id"], author, channel, view["callback_id"], submitted_values(view))
        invocation_id = body.get("trigger_id") or view["id"]
        invocation = Invocation(author, channel, await self.people.level(author.external_id), invocation_id)
        reply = await self.hearth.inbound.submit(invocation, event)
        await self.hearth.inbound.deliver(invocation, self._outbox(invocation, body.get("trigger_id"), None), reply)

    async def publish_home(self, member: MemberRef, invocation_id: str, notice: Reply | None = None) -> None:
        """The member's App Home: every cog's section of their personal page (`Hearth.home`)."""
        ctx = await self.hearth.context(member, None, await self.people.level(member.external_id), invocation_id)
        view = home_view(await self.hearth.home(ctx), notice)
        try:
            await self.platform.client.views_publish(user_id=member.external_id, view=view)
        except SlackApiError as error:
            log.warning("views.publish for %s failed: %s", member.external_id, error_code(error))


def _callback(body: dict[str, Any]) -> str:
    """A shortcut's or a modal's callback id, as Slack names it (for the log)."""
    view = body.get("view")
    found = body.get("callback_id") or (view.get("callback_id") if isinstance(view, dict) else None)
    return str(found or "?")
