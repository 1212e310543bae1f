"""The Messenger protocol on Slack (Web API): what cogs do on their own initiative, and Slack's refusals
as reasons a moderator can act on."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any, ParamSpec, TypeVar

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.messenger import Capabilities, MessageGone, PlatformError
from bot.core.refs import ChannelRef, MemberRef, Permission, RoleRef
from bot.core.reply import Attachment, Reply
from bot.platforms.slack.blocks import message_payload

log = logging.getLogger(__name__)

# conversations.open / chat.postMessage errors meaning "this member cannot be messaged".
UNREACHABLE = {"cannot_dm_bot", "user_not_found", "user_disabled", "user_not_visible", "messages_tab_disabled"}


def _detail(error: SlackApiError, key: str) -> str:
    data = error.response.data
    return str(data.get(key, "?")) if isinstance(data, dict) else "?"


def error_code(error: SlackApiError) -> str:
    """Slack's error code (`not_in_channel`), or the HTTP status when the answer was none (a 5xx's HTML page)."""
    data = error.response.data
    if isinstance(data, dict) and "error" in data:
        return str(data["error"])
    if error.response.status_code != 200:
        return f"HTTP {error.response.status_code}"
    return "unknown_error"


UNAVAILABLE = "Slack did not answer ({why}); please try again in a moment."
_P = ParamSpec("_P")
_T = TypeVar("_T")


def reachable(method: Callable[_P, Coroutine[Any, Any, _T]]) -> Callable[_P, Coroutine[Any, Any, _T]]:
    """Slack out of reach (a dropped connection, a timeout, once the client's own retry is spent) as a
    PlatformError, like a refusal: what was being sent is reported as not sent, and nothing else is cut short
    (the other groups of a pairing still hear from Hearth; a welcome still follows a welcomer's DM that failed)."""

    @functools.wraps(method)
    async def guarded(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        try:
            return await method(*args, **kwargs)
        except (aiohttp.ClientError, TimeoutError) as error:
            raise PlatformError(UNAVAILABLE.format(why=type(error).__name__)) from None

    return guarded


# chat.update's errors for a message that is gone or out of Hearth's reach for good (not a rate limit or an outage).
_MESSAGE_GONE = frozenset({"message_not_found", "cant_update_message", "channel_not_found", "is_archived"})


def refusal(error: SlackApiError, what: str, doing: str = "do this") -> PlatformError:
    """A Web API error as a reason a moderator can act on; `doing` names what Hearth was refused."""
    code = error_code(error)
    reasons = {
        "not_in_channel": f"Hearth is not a member of that channel: invite it with `/invite @Hearth`, then {what}.",
        "channel_not_found": (
            f"Hearth cannot see that channel (private?): invite it with `/invite @Hearth`, then {what}."
        ),
        "is_archived": "That channel is archived.",
        "missing_scope": (
            f"The Slack app lacks the `{_detail(error, 'needed')}` scope: update it from "
            f"`hearth slack-manifest` and reinstall it, then {what}."
        ),
        "restricted_action": f"A workspace setting forbids Hearth to {doing}; a Slack admin can allow it.",
        "cant_invite_self": "Hearth cannot invite itself.",
        "user_is_restricted": "Guests can only be added to channels by a Slack admin.",
    }
    if code not in reasons and error.response.status_code >= 500:
        return PlatformError(UNAVAILABLE.format(why=code))  # an outage, not a refusal
    return PlatformError(reasons.get(code, f"Slack refused ({code})."))


def attachments(reply: Reply) -> tuple[Attachment, ...]:
    """What a reply carries as files on Slack: its card's image (Block Kit images need a public URL, so the
    image is uploaded as a file) and its files."""
    image = reply.card.image if reply.card else None
    card_image = (Attachment("image.png", image, reply.card.title if reply.card else ""),) if image else ()
    return card_image + reply.files


class SlackMessenger:
    # Slack has no roles (user groups are not permissions) and its threads have no titles.
    capabilities = Capabilities(roles=False, group_dms=True, named_threads=False, files=True)

    def __init__(self, client: AsyncWebClient, level: Callable[[str], Awaitable[Permission]]) -> None:
        """`level` is a user id's level (`People.level`: workspace admins, moderator user groups)."""
        self.client = client
        self._level = level

    @reachable
    async def send(self, channel: ChannelRef, reply: Reply) -> str:
        try:
            posted = await self.client.chat_postMessage(
                channel=channel.external_id, thread_ts=channel.thread_id, unfurl_links=False, **message_payload(reply)
            )
        except SlackApiError as error:
            raise refusal(error, "try again") from None
        # Files follow the message into the same conversation (and thread).
        await self.upload(channel.external_id, reply, thread_ts=channel.thread_id)
        return str(posted["ts"])

    @reachable
    async def send_dm(self, member: MemberRef, reply: Reply) -> str | None:
        try:
            opened = await self.client.conversations_open(users=member.external_id)
            posted = await self.client.chat_postMessage(channel=opened["channel"]["id"], **message_payload(reply))
        except SlackApiError as error:
            if error_code(error) in UNREACHABLE:
                return None
            raise refusal(error, "try again") from None
        await self.upload(opened["channel"]["id"], reply)
        return str(posted["ts"])

    @reachable
    async def upload(self, conversation: str, reply: Reply, *, thread_ts: str | None = None) -> int:
        """Upload a reply's files (its card's image first, as `image.png`) into a conversation with
        files_upload_v2 (files.getUploadURLExternal, the upload, files.completeUploadExternal; scope
        `files:write`). Returns how many were shared; none is nothing to do."""
        files = attachments(reply)
        if not files:
            return 0
        try:
            await self.client.files_upload_v2(
                file_uploads=[
                    {
                        "content": file.data,
                        "filename": file.filename,
                        "title": file.filename,
                        "alt_txt": file.description,
                    }
                    for file in files
                ],
                channel=conversation,
                thread_ts=thread_ts,
            )
        except SlackApiError as error:
            raise refusal(error, "try again", "share files") from None
        return len(files)

    @reachable
    async def upload_to_dm(self, member: MemberRef, reply: Reply) -> bool:
        """Slack has no private files in a channel: a private answer's files go to the member's DM with Hearth.
        False when that DM cannot be opened."""
        if not attachments(reply):
            return False
        try:
            opened = await self.client.conversations_open(users=member.external_id)
        except SlackApiError as error:
            if error_code(error) in UNREACHABLE:
                return False
            raise refusal(error, "try again") from None
        return await self.upload(opened["channel"]["id"], reply) > 0

    @reachable
    async def send_group(self, members: Sequence[MemberRef], reply: Reply) -> None:
        """A group DM (mpim) with Hearth and the members; its buttons work for each of them. When Slack cannot
        open it because one of them cannot be messaged, each of the others gets the message by DM instead."""
        try:
            opened = await self.client.conversations_open(users=",".join(member.external_id for member in members))
        except SlackApiError as error:
            if error_code(error) not in UNREACHABLE:
                raise refusal(error, "try again") from None
            if not any([await self.send_dm(member, reply) for member in members]):
                names = ", ".join(member.display_name or member.external_id for member in members)
                raise PlatformError(f"I could not message any of {names} on Slack.") from None
            return
        try:
            await self.client.chat_postMessage(channel=opened["channel"]["id"], **message_payload(reply))
        except SlackApiError as error:
            raise refusal(error, "try again") from None

    async def can_post(self, channel: ChannelRef) -> bool:
        """Not archived, and public (chat:write.public) or private with Hearth in it (Slack hides the others:
        channel_not_found). Only asks: joining is `join_channel`."""
        try:
            found = (await self.client.conversations_info(channel=channel.external_id))["channel"]
        except SlackApiError as error:
            log.info("conversations.info %s: %s", channel.external_id, error_code(error))
            return False
        if found.get("is_archived"):
            return False
        return bool(found.get("is_member") or not found.get("is_private"))

    async def join_channel(self, channel: ChannelRef) -> None:
        """Slack tells only members about a channel's messages: Hearth joins a public channel it will post in,
        so replies there count. A channel it is in already (or a private one) is left as it is."""
        try:
            found = (await self.client.conversations_info(channel=channel.external_id))["channel"]
            if found.get("is_member") or found.get("is_private") or found.get("is_archived"):
                return
            await self.client.conversations_join(channel=channel.external_id)
        except SlackApiError as error:
            # Posting still works (chat:write.public); only replies there go unseen.
            log.warning("could not join %s (%s): replies there will not count", channel.external_id, error_code(error))

    @reachable
    async def edit(self, channel: ChannelRef, message_id: str, reply: Reply) -> None:
        try:
            await self.client.chat_update(channel=channel.external_id, ts=message_id, **message_payload(reply))
        except SlackApiError as error:
            refused = refusal(error, "try again")
            if error_code(error) in _MESSAGE_GONE:
                raise MessageGone(refused.reason) from None
            raise refused from None

    @reachable
    async def delete(self, channel: ChannelRef, message_id: str) -> None:
        try:
            await self.client.chat_delete(channel=channel.external_id, ts=message_id)
        except SlackApiError as error:
            if error_code(error) not in _MESSAGE_GONE:
                raise refusal(error, "try again") from None

    async def start_thread(self, channel: ChannelRef, message_id: str, name: str) -> ChannelRef:
        """Slack threads are replies to a message: nothing to create, and they have no name."""
        return ChannelRef(channel.community, channel.external_id, channel.name, thread_id=message_id)

    async def rename_thread(self, thread: ChannelRef, name: str) -> None:
        """Slack's threads have no names: nothing to rename."""

    async def grant_role(self, member: MemberRef, role: RoleRef) -> None:
        raise PlatformError(
            f"Slack has no roles, so Hearth cannot give {member.display_name or member.external_id} the role "
            f"{role.name or role.external_id}. On Slack, map each interest to a channel instead: Hearth adds "
            "members to channels."
        )

    async def check_grantable(self, role: RoleRef) -> None:
        raise PlatformError(f"Slack has no roles, so Hearth cannot give the role {role.name or role.external_id}.")

    async def remove_role(self, member: MemberRef, role: RoleRef) -> None:
        raise PlatformError(f"Slack has no roles, so Hearth cannot take the role {role.name or role.external_id}.")

    @reachable
    async def add_to_channel(self, member: MemberRef, channel: ChannelRef) -> None:
        doing = "add members to that channel"
        try:
            await self._invite(member, channel)
        except SlackApiError as error:
            if error_code(error) != "not_in_channel":
                raise refusal(error, "try again", doing) from None
            try:
                # Hearth must be in a channel to invite anyone; it may join a public one by itself.
                await self.client.conversations_join(channel=channel.external_id)
            except SlackApiError as join_error:
                if error_code(join_error) == "method_not_supported_for_channel_type":
                    raise PlatformError(
                        "That channel is private and Hearth is not in it, so it cannot add anyone: invite it with "
                        "`/invite @Hearth` in that channel, then try again."
                    ) from None
                raise refusal(join_error, "try again", "join that channel") from None
            try:
                await self._invite(member, channel)
            except SlackApiError as retry_error:
                raise refusal(retry_error, "try again", doing) from None

    async def member_level(self, member: MemberRef) -> Permission:
        """Slack's levels are read where commands read them; a users.info that fails counts as a member (People)."""
        return await self._level(member.external_id)

    async def _invite(self, member: MemberRef, channel: ChannelRef) -> None:
        try:
            await self.client.conversations_invite(channel=channel.external_id, users=member.external_id)
        except SlackApiError as error:
            if error_code(error) != "already_in_channel":
                raise
