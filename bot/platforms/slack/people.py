"""Who is who on Slack: names and bot flags from users.info, and who is an admin or a moderator."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.failures import log_failure
from bot.core.messenger import PlatformError
from bot.core.refs import CommunityRef, MemberRef, Permission
from bot.platforms.slack.messenger import error_code

log = logging.getLogger(__name__)

UNKNOWN_LEVEL = "Slack did not say just now whether they are an admin or a moderator; please try again in a moment."

PROFILE_SECONDS = 60.0  # how long a member's admin flag and the moderator groups are trusted
# Newcomers' names: users.info is a Tier 4 method (Slack: 100+ calls a minute), so a burst of newcomers past
# that would only earn 429s. The first NAMING_BURST are named at once, the rest at that pace, behind the
# events that keep arriving (each call costs about as much as handling a message).
NAMING_BURST = 50
NAMING_PER_SECOND = 100 / 60


@dataclass(frozen=True)
class Profile:
    name: str
    is_bot: bool
    is_admin: bool
    deactivated: bool = False  # users.info's `deleted`: the account left the workspace


class People:
    """`named` is told a member's name once users.info gives it (Hearth's identity records it)."""

    def __init__(
        self,
        client: AsyncWebClient,
        moderator_groups: tuple[str, ...],
        named: Callable[[MemberRef], Awaitable[object]],
    ) -> None:
        self.client = client
        self.moderator_groups = moderator_groups
        self._named = named
        self._profiles: dict[str, tuple[float, Profile]] = {}
        # (read at, member ids, whether every group could be read)
        self._moderators: tuple[float, frozenset[str], bool] | None = None
        self._unnamed: dict[str, CommunityRef] = {}  # message authors whose profile is being fetched
        self._naming: asyncio.Task[None] | None = None
        self._naming_tokens = float(NAMING_BURST)  # a token bucket: NAMING_BURST, refilled at NAMING_PER_SECOND
        self._naming_refilled = time.monotonic()

    def author(self, community: CommunityRef, user_id: str) -> MemberRef:
        """A message's author without waiting for users.info: a newcomer is recorded at once under their id
        and named once the profile arrives (one fetch at a time, in the background)."""
        cached = self._profiles.get(user_id)
        if cached is not None:
            return MemberRef(community, user_id, cached[1].name, cached[1].is_bot)
        if user_id not in self._unnamed:
            self._unnamed[user_id] = community
            if self._naming is None or self._naming.done():
                self._naming = asyncio.create_task(self._name_newcomers(), name="hearth-slack-profiles")
        return MemberRef(community, user_id)

    async def _name_newcomers(self) -> None:
        while self._unnamed:
            await self._naming_turn()
            user_id, community = next(iter(self._unnamed.items()))
            try:
                await self._named(await self.member(community, user_id))
            except Exception:  # a database out of reach is one line, not a bug
                log_failure(log, "could not name Slack member %s", user_id)
            finally:
                del self._unnamed[user_id]

    async def _naming_turn(self) -> None:
        """Wait until a users.info call for a newcomer is within NAMING_BURST / NAMING_PER_SECOND."""
        now = time.monotonic()
        self._naming_tokens = min(
            float(NAMING_BURST), self._naming_tokens + (now - self._naming_refilled) * NAMING_PER_SECOND
        )
        self._naming_refilled = now
        if self._naming_tokens < 1:
            await asyncio.sleep((1 - self._naming_tokens) / NAMING_PER_SECOND)
            self._naming_tokens, self._naming_refilled = 1.0, time.monotonic()
        self._naming_tokens -= 1

    async def close(self) -> None:
        """Stop naming: names still to fetch come with these members' next message."""
        if self._naming is not None:
            self._naming.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._naming

    async def profile(self, user_id: str, max_age: float = float("inf")) -> Profile:
        """users.info, cached: names are reused for as long as we run, admin flags for `max_age` seconds. Where
        Slack cannot say (and nothing is cached), a member named by their id."""
        found = await self._profile(user_id, max_age)
        return found if found is not None else Profile(user_id, False, False)

    async def _profile(self, user_id: str, max_age: float) -> Profile | None:
        cached = self._profiles.get(user_id)
        if cached is not None and time.monotonic() - cached[0] <= max_age:
            return cached[1]
        try:
            found = (await self.client.users_info(user=user_id))["user"]
        except SlackApiError as error:
            log.warning("users.info %s failed: %s", user_id, error_code(error))
            return cached[1] if cached else None
        return self.remember(found)

    def remember(self, user: dict[str, Any]) -> Profile:
        details = user.get("profile") or {}
        found = Profile(
            name=details.get("display_name") or details.get("real_name") or user.get("name") or user["id"],
            is_bot=bool(user.get("is_bot")) or user["id"] == "USLACKBOT",
            is_admin=bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")),
            deactivated=bool(user.get("deleted")),
        )
        self._profiles[user["id"]] = (time.monotonic(), found)
        return found

    def changed(self, user: dict[str, Any]) -> Profile | None:
        """A profile Slack sent (`user_change`) replaces the cached one: names are cached for as long as Hearth runs,
        so without this a member was shown by the first name seen until a restart. The profile, unless its name is
        the one cached (a status or an avatar changed: nothing to record)."""
        cached = self._profiles.get(user["id"])
        found = self.remember(user)
        return None if cached is not None and cached[1].name == found.name else found

    async def member(self, community: CommunityRef, user_id: str) -> MemberRef:
        found = await self.profile(user_id)
        return MemberRef(community, user_id, found.name, found.is_bot)

    async def level(self, user_id: str, *, strict: bool = False) -> Permission:
        """Workspace admins and owners are admins; members of SLACK_MODERATOR_GROUPS are moderators. Where Slack
        cannot say, a member (the caller may do less, never more); `strict`, for a rule that protects that member
        (a moderator may not lock an admin's giving): PlatformError instead, as a guess would leave them unprotected."""
        profile = await self._profile(user_id, PROFILE_SECONDS)
        if profile is None and strict:
            raise PlatformError(UNKNOWN_LEVEL)
        if profile is not None and profile.is_admin:
            return Permission.ADMIN
        moderators, complete = await self._moderator_ids()
        if user_id in moderators:
            return Permission.MODERATOR
        if strict and not complete:
            raise PlatformError(UNKNOWN_LEVEL)
        return Permission.MEMBER

    async def _moderator_ids(self) -> tuple[frozenset[str], bool]:
        """The members of the moderator groups, and whether every group could be read."""
        if not self.moderator_groups:
            return frozenset(), True
        if self._moderators is not None and time.monotonic() - self._moderators[0] <= PROFILE_SECONDS:
            return self._moderators[1], self._moderators[2]
        members: set[str] = set()
        complete = True
        for group in self.moderator_groups:
            try:
                members.update((await self.client.usergroups_users_list(usergroup=group))["users"])
            except SlackApiError as error:
                # Fail closed: nobody is a moderator through a group we cannot read.
                log.warning("usergroups.users.list %s failed: %s", group, error_code(error))
                complete = False
        self._moderators = (time.monotonic(), frozenset(members), complete)
        return self._moderators[1], complete
