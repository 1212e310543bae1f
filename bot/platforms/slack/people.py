"""Who is who on Slack: names and bot flags from users.info, and who is an admin or a moderator."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.refs import CommunityRef, MemberRef, Permission
from bot.platforms.slack.messenger import error_code

log = logging.getLogger(__name__)

PROFILE_SECONDS = 60.0  # how long a member's admin flag and the moderator groups are trusted


@dataclass(frozen=True)
class Profile:
    name: str
    is_bot: bool
    is_admin: bool


class People:
    def __init__(self, client: AsyncWebClient, moderator_groups: tuple[str, ...]) -> None:
        self.client = client
        self.moderator_groups = moderator_groups
        self._profiles: dict[str, tuple[float, Profile]] = {}
        self._moderators: tuple[float, frozenset[str]] | None = None

    async def profile(self, user_id: str, max_age: float = float("inf")) -> Profile:
        """users.info, cached: names are reused for as long as we run, admin flags for `max_age` seconds."""
        cached = self._profiles.get(user_id)
        if cached is not None and time.monotonic() - cached[0] <= max_age:
            return cached[1]
        try:
            found = (await self.client.users_info(user=user_id))["user"]
        except SlackApiError as error:
            log.warning("users.info %s failed: %s", user_id, error_code(error))
            return cached[1] if cached else Profile(user_id, False, False)
        return self.remember(found)

    def remember(self, user: dict[str, Any]) -> Profile:
        details = user.get("profile") or {}
        found = Profile(
            name=details.get("display_name") or details.get("real_name") or user.get("name") or user["id"],
            is_bot=bool(user.get("is_bot")) or user["id"] == "USLACKBOT",
            is_admin=bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")),
        )
        self._profiles[user["id"]] = (time.monotonic(), found)
        return found

    async def member(self, community: CommunityRef, user_id: str) -> MemberRef:
        found = await self.profile(user_id)
        return MemberRef(community, user_id, found.name, found.is_bot)

    async def level(self, user_id: str) -> Permission:
        """Workspace admins and owners are admins; members of SLACK_MODERATOR_GROUPS are moderators."""
        if (await self.profile(user_id, PROFILE_SECONDS)).is_admin:
            return Permission.ADMIN
        if user_id in await self._moderator_ids():
            return Permission.MODERATOR
        return Permission.MEMBER

    async def _moderator_ids(self) -> frozenset[str]:
        if not self.moderator_groups:
            return frozenset()
        if self._moderators is not None and time.monotonic() - self._moderators[0] <= PROFILE_SECONDS:
            return self._moderators[1]
        members: set[str] = set()
        for group in self.moderator_groups:
            try:
                members.update((await self.client.usergroups_users_list(usergroup=group))["users"])
            except SlackApiError as error:
                # Fail closed: nobody is a moderator through a group we cannot read.
                log.warning("usergroups.users.list %s failed: %s", group, error_code(error))
        self._moderators = (time.monotonic(), frozenset(members))
        return self._moderators[1]
