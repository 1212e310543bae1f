"""Level-ups: the announcement (a channel, a DM, or none) and the roles levels reward (Discord).

Role rewards are `level_roles` (`5:ROLE_ID 10:ROLE_ID`, kept with `/levels role`). With `level_roles_stack`
a member keeps every reward up to their level; without it, only their highest (the previous one is removed).
A role Hearth may not grant is told to `mod_channel` once per role while Hearth runs, not once per member.

Points come two ways. Kudos, adjustments and voids (of kudos, of a removed reaction's kudos, of a deleted message's
points) check levels in their command (or event) once committed. Message
activity is written in batches by the write-behind buffer: `batch_written` reads, in each batch's transaction, the
all-time totals of the members it gave points (one statement), and once the batch has committed the levels those
points crossed are announced, within `HEARTH_ACTIVITY_FLUSH_SECONDS` of the message. A level is announced once
per member, whichever way reached it first (a kudos and a batch committing at the same moment both see it): the
highest level announced is kept (`level_announced`), so points that drop below a level and come back, or a
restart, announce nothing again.
"""

from __future__ import annotations

import asyncio
import logging
from functools import partial
from typing import NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.events import MemberJoined, PointsRecorded
from bot.core.ingest import FollowUp
from bot.core.messenger import PlatformError, attached_capabilities, tell_mods
from bot.core.refs import ChannelRef, Member, MemberRef, RoleRef
from bot.core.reply import Reply, literal, mention
from bot.core.services import Services
from bot.core.wording import number
from cogs.recognition.levels import Curve, level_of, parse_titles, same_level, title_of
from cogs.recognition.settings import RecognitionSettings, written_role
from config.community import CommunitySettings
from storage import recognition
from storage.ledger import Award

log = logging.getLogger(__name__)


class LevelChange(NamedTuple):
    """A member whose all-time points crossed a level boundary in a batch of activity (points before and after)."""

    member_id: int
    community_id: int
    before: int
    after: int
    channel: str | None


def role_rewards(own: RecognitionSettings) -> dict[int, str]:
    """Level → role id, from `level_roles` (`5:123 10:456`); unreadable pairs are skipped."""
    rewards: dict[int, str] = {}
    for pair in own.level_roles.replace(",", " ").split():
        level, _, role = pair.partition(":")
        if level.isdigit() and role:
            rewards[int(level)] = role
    return dict(sorted(rewards.items()))


def reward_name(rewards: dict[int, str], role: str) -> str:
    """`the reward role of level 5` (`of levels 5 and 10`): a stored role as people know it, whatever the platform
    (a Discord role is stored as its id)."""
    levels = [str(level) for level, rewarding in rewards.items() if rewarding == role]
    return f"the reward role of level{'s' if len(levels) > 1 else ''} {' and '.join(levels)}"


def encode_rewards(rewards: dict[int, str]) -> str:
    """`level_roles` as `/config set` reads it (roles as `written_role` writes them), from level → stored role."""
    return " ".join(f"{level}:{written_role(role)}" for level, role in sorted(rewards.items()))


def _kept(rewards: dict[int, str], level: int, stack: bool) -> set[str]:
    """The reward roles a member at `level` holds: every one at or below it with stacking, else the highest."""
    reached = [role for needed, role in rewards.items() if needed <= level]
    return set(reached if stack else reached[-1:])


class LevelUps:
    def __init__(self, services: Services) -> None:
        self.services = services
        self._reported: set[tuple[int, str]] = set()  # (community id, role id) told to the moderators already
        # Each community's level-ups from batches of activity are announced one batch after another, in the order
        # the batches committed: side by side, a busy member's level 2 was posted before their level 1, and without
        # stacking their level-1 role was given after the level-2 one, and both kept. Per community, so that one
        # whose platform is slow (a rate limit on its roles) holds up no other. Its latest batch's announcements:
        self._latest: dict[int, asyncio.Task[None]] = {}

    async def points_changed(
        self,
        member: Member,
        before: int,
        after: int,
        settings: CommunitySettings,
        channel: str | None,
        then: list[tuple[ChannelRef, Reply]] | None = None,
        *,
        first: bool | None = None,
    ) -> None:
        """Announce a level reached and apply the role rewards of the level now held, up or down (a drop takes the
        roles above it away); never raises (the points stand regardless). `then`: a channel's announcement is added
        to it instead of posted, for a command to post under its reply (`Reply.then`). `first`: whether the level
        was recorded as announced for the first time, where the caller recorded it (a batch of activity, in its
        own transaction); None records it here."""
        own = settings.of(RecognitionSettings)
        old = level_of(before, own.level_curve, own.level_step).level
        new = level_of(after, own.level_curve, own.level_step).level
        if new == old or self.services.identity.departed(member.id):
            # One who left (an adjustment, a void of kudos they received) is congratulated in no channel, and
            # holds no roles to change (Discord refuses a role to one no longer in the server; the moderators
            # would be told the role cannot be given): `/levels sync` gives theirs once they are back.
            return
        if new > old:
            try:
                if first is None:
                    # Once per member and level: not again after the points dropped and came back, nor after a
                    # restart.
                    async with self.services.db.write() as session:
                        first = await recognition.announce_level(session, member.id, new)
                if first:
                    await self._announce(member, new, settings, channel, then)
            except PlatformError as error:
                # The level stays announced (a retry could post twice); its role must not depend on the post.
                log.warning("level-up for member %s not announced: %s", member.id, error.reason)
        await self.apply_roles(member, new, settings, held=old)

    async def batch_written(self, session: AsyncSession, written: list[Award]) -> FollowUp | None:
        """The activity buffer's hook (`bot.core.ingest.Written`): before and after points of each member the batch
        gave points, read in its transaction so that nothing written meanwhile blurs them; their level changes are
        announced once it committed, in a task of the buffer's (a slow platform never holds the buffer up)."""
        gained: dict[int, tuple[int, int, str | None]] = {}  # member id → community id, points, latest channel
        for each in written:
            if each.points:
                _, points, channel = gained.get(each.member_id, (0, 0, None))
                gained[each.member_id] = (each.community_id, points + each.points, each.channel or channel)
        if not gained:
            return None
        # Most batches cross no level: checked here, with each community's settings (cached), so that only a
        # level reached costs a task; a community announcing nothing and rewarding no role is left out.
        curves: dict[int, tuple[Curve, int]] = {}
        communities = {c for c, _, _ in gained.values()}
        for community_id in communities:
            own = (await self.services.settings.get(community_id)).of(RecognitionSettings)
            if own.level_up_announce != "off" or own.level_roles:
                curves[community_id] = (own.level_curve, own.level_step)
        if len(curves) < len(communities):
            gained = {m: each for m, each in gained.items() if each[0] in curves}
            if not gained:
                return None
        totals = await recognition.all_time_points(session, [(c, m) for m, (c, _, _) in gained.items()])
        changes: list[LevelChange] = []
        reached: dict[int, int] = {}  # member id → level reached, to record as announced
        for member_id, (community_id, points, channel) in gained.items():
            after = totals.get(member_id, 0)
            if not same_level(after - points, after, *curves[community_id]):
                changes.append(LevelChange(member_id, community_id, after - points, after, channel))
                new, old = (level_of(p, *curves[community_id]).level for p in (after, after - points))
                if new > old and not self.services.identity.departed(member_id):
                    reached[member_id] = new
        if not changes:
            return None
        # Recorded here, in the batch's transaction (one statement), rather than in a write transaction of each
        # level-up's own once the batch has committed: those took turns with the batches for the one writer (a
        # fifteenth of bench.stream's time on a fresh stream).
        firsts = await recognition.announce_levels(session, reached)
        return partial(self._batch_levels, changes, firsts)

    async def points_recorded(self, event: PointsRecorded) -> None:
        """Points another cog recorded (a ritual's, an onboarding step's, an intro's): the member's level checked
        against their total now, as for kudos (until 2026-12-01 such points reached levels silently, without the
        level's roles)."""
        settings = await self.services.settings.get(event.community_id)
        own = settings.of(RecognitionSettings)
        if own.level_up_announce == "off" and not own.level_roles:
            return
        async with self.services.db.read() as session:
            after = (await recognition.all_time_points(session, [(event.community_id, event.member_id)])).get(
                event.member_id, 0
            )
        if same_level(after - event.points, after, own.level_curve, own.level_step):
            return
        found = await self.services.identity.members_by_id([event.member_id])
        if event.member_id in found:
            await self.points_changed(found[event.member_id], after - event.points, after, settings, event.channel)

    async def member_joined(self, event: MemberJoined) -> None:
        """A member arriving with points (one who left and came back) gets the level roles their points earn: leaving
        strips every role on Discord, and onboarding gives back only their access and interests (until 2026-12-01
        their level roles came back only with `/levels sync`). A newcomer, with no points, holds no level."""
        if event.member.is_bot:
            return
        member = await self.services.identity.member(event.member)
        settings = await self.services.settings.get(member.community_id)
        own = settings.of(RecognitionSettings)
        if not own.level_roles:
            return
        async with self.services.db.read() as session:
            points = (await recognition.all_time_points(session, [(member.community_id, member.id)])).get(member.id, 0)
        level = level_of(points, own.level_curve, own.level_step).level
        # Held for level 0 (no level role): they hold none, so the roles are given and none is taken away.
        await self.apply_roles(member, level, settings, held=0)

    async def _batch_levels(self, changes: list[LevelChange], firsts: set[int]) -> None:
        # Queued for each community before any await, so in the order the batches committed (their follow-ups start
        # in that order).
        by_community: dict[int, list[LevelChange]] = {}
        for change in changes:
            by_community.setdefault(change.community_id, []).append(change)
        queued = []
        for community_id, theirs in by_community.items():
            earlier = self._latest.get(community_id)
            task = asyncio.create_task(self._after(earlier, theirs, firsts), name="hearth-level-ups")
            self._latest[community_id] = task
            task.add_done_callback(partial(self._done, community_id))
            queued.append(task)
        await asyncio.gather(*queued)  # the buffer's `close()` waits for this follow-up, and so for them

    def _done(self, community_id: int, task: asyncio.Task[None]) -> None:
        if self._latest.get(community_id) is task:
            del self._latest[community_id]

    async def _after(self, earlier: asyncio.Task[None] | None, changes: list[LevelChange], firsts: set[int]) -> None:
        if earlier is not None:
            await asyncio.wait([earlier])  # whatever became of it
        try:
            await self._announce_batch(changes, firsts)
        except Exception:  # a task of its own: nobody else would hear of it (the buffer only waits for it)
            log.exception("level-ups from message activity not announced")

    async def _announce_batch(self, changes: list[LevelChange], firsts: set[int]) -> None:
        for change in changes:
            found = await self.services.identity.members_by_id([change.member_id])
            if change.member_id in found:
                settings = await self.services.settings.get(change.community_id)
                await self.points_changed(
                    found[change.member_id],
                    change.before,
                    change.after,
                    settings,
                    change.channel,
                    first=change.member_id in firsts,
                )

    async def _announce(
        self,
        member: Member,
        level: int,
        settings: CommunitySettings,
        channel: str | None,
        then: list[tuple[ChannelRef, Reply]] | None = None,
    ) -> None:
        own = settings.of(RecognitionSettings)
        if own.level_up_announce == "off":
            return
        capabilities = attached_capabilities(self.services.messenger)
        if capabilities is None:
            return  # no platform attached (Hearth run in-process, as by a benchmark): nobody to tell
        # Where levels are not roles (Slack), the level's title says what it means.
        title = "" if capabilities.roles else title_of(level, parse_titles(own.level_titles))
        text = f"⬆️ {mention(member)} reached level {number(level)}" + (f" · {literal(title)}!" if title else "!")
        community = member.ref.community
        target = own.level_up_channel or channel  # a DM that cannot be delivered falls back to it too
        async with self.services.db.read() as session:
            # Hidden from boards (`/privacy`): their standing is not the channel's to read, so they alone are told,
            # and with their DMs closed nobody is.
            hidden = await recognition.off_boards(session, member.id)
        if target and not await self.services.messenger.can_post(ChannelRef(community, target)):
            # The channel takes no message from Hearth: where the points were earned, a Discord forum (only its posts
            # do, and the ledger keeps the forum, not the post); `level_up_channel` or that channel closed to Hearth
            # since. Until 2026-12-02 the post was refused there and nobody was told.
            target = None
        # With no channel to announce in (points an intro's form gave, with no `level_up_channel`), the member is
        # told by DM: until 2026-12-02 nobody was.
        if hidden or own.level_up_announce == "dm" or not target:
            fallback = ChannelRef(community, target) if target and not hidden else None
            await self.services.notify_member(member.ref, Reply(text=text), fallback=fallback)
            return
        if then is not None:
            then.append((ChannelRef(community, target), Reply(text=text)))
        else:
            await self.services.messenger.send(ChannelRef(community, target), Reply(text=text))

    async def apply_roles(
        self,
        member: Member | MemberRef,
        level: int,
        settings: CommunitySettings,
        held: int | None = None,
        refused: dict[str, str] | None = None,
    ) -> int:
        """Give the rewards `level` earns and take away the level roles it does not (with stacking every reward at
        or below the level is kept, without it only the highest); returns how many roles changed hands.

        The platforms do not say which roles a member has, so `held` is the level the member's roles were last
        applied for: only the rewards that level kept are taken away (a jump from level 0 to 2 takes nothing).
        Without it (`/levels sync`, which repairs whatever the member holds) every reward the level does not keep
        is taken away. Platforms without roles are left alone. A refusal is told to the moderators, never raised;
        with `refused` (`/levels sync`, whose admin is there to read it) it is kept there instead (role → the first
        reason)."""
        rewards = role_rewards(settings.of(RecognitionSettings))
        messenger = self.services.messenger
        capabilities = attached_capabilities(messenger)
        if not rewards or capabilities is None or not capabilities.roles:
            return 0
        ref = member.ref if isinstance(member, Member) else member
        stack = settings.of(RecognitionSettings).level_roles_stack
        keep = _kept(rewards, level, stack)
        had = set(rewards.values()) if held is None else _kept(rewards, held, stack)
        changed = 0
        # Removals first: without stacking a member never shows two level roles, even for a moment.
        roles = list(dict.fromkeys(rewards.values()))  # a role rewarding two levels changes hands once
        taken = [role for role in roles if role in had - keep]
        # A level-up gives only the roles the member's last level did not keep (each grant is a call to the
        # platform, within its rate limits); a sync (`held` None) gives every one, repairing what they hold.
        given = [role for role in roles if role in keep and (held is None or role not in had)]
        for role in taken + given:
            try:
                if role in keep:
                    await messenger.grant_role(ref, RoleRef(ref.community, role))
                else:
                    await messenger.remove_role(ref, RoleRef(ref.community, role))
                changed += 1
            except PlatformError as error:
                if refused is not None:
                    refused.setdefault(role, error.reason)
                else:
                    await self._report(ref, role, settings, error, granting=role in keep)
        return changed

    async def _report(
        self, member: MemberRef, role: str, settings: CommunitySettings, error: PlatformError, granting: bool
    ) -> None:
        """Tell `mod_channel`, once per role while Hearth runs, that the platform refused a reward role; the role is
        named by the levels it rewards (Discord's reason names it as the server shows it: its stored id, `&123…`,
        read as nothing there, until 2026-12-02)."""
        community_id = (await self.services.identity.community(member.community)).id
        if (community_id, role) in self._reported:
            return
        self._reported.add((community_id, role))
        what = reward_name(role_rewards(settings.of(RecognitionSettings)), role)
        verb = "give" if granting else "take away"
        text = (
            f"⚠️ I can't {verb} {what}: {error.reason} I'll not repeat this for other members; "
            "`/levels sync` re-applies rewards once it is fixed."
        )
        unsent = await tell_mods(self.services.messenger, member.community, settings.basics.mod_channel, text)
        if unsent is not None:  # the other rewards are still applied: a log is all that is left
            log.warning("%s refused (%s), not told to the moderators: %s", what, error.reason, unsent)
