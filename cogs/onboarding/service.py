"""Onboarding rules: the checklist, step completion, who is stuck, welcomers, welcome texts."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.awards import award
from bot.core.messenger import Messenger
from bot.core.refs import ChannelRef, CommunityRef, Member, MemberRef, RoleRef
from bot.core.reply import UserError
from bot.core.services import Services
from cogs.onboarding.settings import OnboardingSettings
from config.community import CommunitySettings
from config.durations import format_duration
from storage import ledger, lifecycle, onboarding
from storage.kinds import Kind
from storage.ledger import Award
from storage.lifecycle import AWAY
from storage.onboarding import Interest, Journey, Setup, intros_open

STEPS: tuple[str, ...] = ("rules", "interests", "intro", "hello")
# Told the other Hearth processes sharing the database (PostgreSQL) when a journey begins: a newcomer's hello may
# reach one of them, which then reads again who still has to say hello (`Checklist`).
JOURNEY_STARTED = "onboarding-journey-started"
STEP_LABELS = {
    "rules": "Accept the rules",
    "interests": "Choose your interests",
    "intro": "Post an introduction (/intro)",
    "hello": "Say hello in any channel",
}
STEP_MODES = ("required", "optional", "off")
PLACEHOLDERS = ("member", "community", "rules_channel", "welcome_channel", "intros_channel", "welcomer")
DEFAULT_WELCOME = "Welcome to {community}, {member}! 👋 Tell us a little about yourself with /intro."
# While introductions are not open (`intros_open`), the default welcome does not send anyone to /intro.
DEFAULT_WELCOME_NO_INTROS = "Welcome to {community}, {member}! 👋"
DEFAULT_RULES = "Be kind, be curious, and help each other."
WELCOME_LIMIT = 1000
RULES_LIMIT = 1500
INTEREST_LIMIT = 60
# As in Python's format strings, `{{` and `}}` are a literal brace each; they are matched first, so `{{member}}`
# is the text `{member}`, not a brace around a placeholder. A lone brace stays as it is, as it always did.
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")
# A placeholder's name after a brace that is never closed (`Welcome {member to {community}!`): a typo, not text.
_UNCLOSED = re.compile(r"\{\{|\}\}|\{[^{}]*\}|\{(\w+)")


@dataclass(frozen=True)
class StepState:
    step: str
    required: bool
    done_at: datetime | None

    @property
    def label(self) -> str:
        return STEP_LABELS[self.step]


@dataclass(frozen=True)
class Progress:
    journey: Journey
    steps: tuple[StepState, ...]

    @property
    def current(self) -> StepState | None:
        """The first required step not done: where the member is (or would be) stuck."""
        return next((s for s in self.steps if s.required and s.done_at is None), None)

    @property
    def since(self) -> datetime:
        """Since when the member has been at the current step: their last completed step, or joining."""
        done = [s.done_at for s in self.steps if s.done_at is not None]
        return max([self.journey.joined_at, *done])

    def done(self, step: str) -> bool:
        return any(s.step == step and s.done_at is not None for s in self.steps)

    def has(self, step: str) -> bool:
        return any(s.step == step for s in self.steps)


@dataclass(frozen=True)
class StepOutcome:
    recorded: bool
    completed: bool = False
    welcomer_id: int | None = None


async def give(messenger: Messenger, member: MemberRef, kind: str, target_id: str, name: str) -> None:
    """What a step gives: a role (`kind` "role": Discord, the console) or a place in a channel (Slack). Raises
    PlatformError when the platform refuses it."""
    community = member.community
    if kind == "role":
        await messenger.grant_role(member, RoleRef(community, target_id, name))
    else:
        await messenger.add_to_channel(member, ChannelRef(community, target_id, name))


def retargeted(replaced: Interest | None, interest: Interest) -> bool:
    """Whether `interest` replaces one that gave another role or channel (not only another spelling)."""
    return replaced is not None and (replaced.target_kind, replaced.target_id) != (
        interest.target_kind,
        interest.target_id,
    )


def normalise_interest(label: str) -> str:
    return " ".join(label.lower().split())


def _placeholders(template: str) -> set[str]:
    """The names of the template's `{name}` placeholders, leaving out escaped `{{` / `}}` braces."""
    return {match.group(1) for match in _TOKEN.finditer(template) if match.group(1) is not None}


def render_welcome(template: str, values: dict[str, str]) -> str:
    """The template with each `{name}` in `values` replaced and `{{` / `}}` as single braces; a `{name}` not in
    `values` is left as written."""

    def token(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None:
            return match.group(0)[0]
        return values.get(name, match.group(0))

    return _TOKEN.sub(token, template)


def check_welcome_template(template: str) -> None:
    """Raises UserError naming the first unknown `{placeholder}` (escaped `{{...}}` is text), a placeholder whose
    brace is never closed, or the length."""
    unknown = sorted(name for name in _placeholders(template) if name not in PLACEHOLDERS)
    if unknown:
        known = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
        raise UserError(f"The welcome message uses `{{{unknown[0]}}}`, which I don't know. You can use: {known}.")
    unclosed = [match.group(1) for match in _UNCLOSED.finditer(template) if match.group(1) in PLACEHOLDERS]
    if unclosed:
        # Posted as written, every newcomer's welcome would show `{member` and mention nobody.
        raise UserError(
            f"In the welcome message `{{{unclosed[0]}` has no closing brace: write `{{{unclosed[0]}}}` "
            "(or `{{` for a brace as text)."
        )
    if len(template) > WELCOME_LIMIT:
        raise UserError(f"The welcome message is {len(template)} characters long; the limit is {WELCOME_LIMIT}.")


def default_welcome(settings: CommunitySettings, *, introduced: bool = False) -> str:
    """The welcome used unless moderators wrote one; it asks for an intro only of newcomers who can post one and
    have not (a welcome at completion often comes after the intro)."""
    return DEFAULT_WELCOME if intros_open(settings) and not introduced else DEFAULT_WELCOME_NO_INTROS


class OnboardingService:
    def __init__(self, services: Services) -> None:
        self.services = services

    # -- configuration -------------------------------------------------------------------------------------------
    async def setup(self, community_id: int) -> Setup:
        async with self.services.db.read() as session:
            return await onboarding.load_setup(session, community_id)

    async def change_setup(self, community_id: int, **changes: object) -> Setup:
        async with self.services.db.write() as session:
            changed = replace(await onboarding.load_setup(session, community_id), **changes)  # type: ignore[arg-type]
            await onboarding.save_setup(session, community_id, changed)
        return changed

    async def set_step_mode(self, community_id: int, step: str, mode: str) -> Setup:
        setup = await self.setup(community_id)
        optional = setup.optional_steps - {step} | ({step} if mode == "optional" else set())
        disabled = setup.disabled_steps - {step} | ({step} if mode == "off" else set())
        return await self.change_setup(community_id, optional_steps=optional, disabled_steps=disabled)

    async def interests(self, community_id: int) -> list[Interest]:
        async with self.services.db.read() as session:
            return await onboarding.interests(session, community_id)

    async def add_interest(
        self, community_id: int, label: str, kind: str, target_id: str, target_name: str
    ) -> tuple[Interest, Interest | None]:
        """The interest offered, and the one of the same name (case and spacing aside) it replaced, if any."""
        if len(label) > INTEREST_LIMIT:
            raise UserError(
                f"An interest name is at most {INTEREST_LIMIT} characters; `{label[:20]}…` is {len(label)}."
            )
        interest = Interest(normalise_interest(label), label, kind, target_id, target_name)
        async with self.services.db.write() as session:
            known = await onboarding.interests(session, community_id)
            replaced = next((i for i in known if i.key == interest.key), None)
            if len(known) >= 25 and replaced is None:
                raise UserError("A menu holds at most 25 interests; remove one first with /onboarding interest-remove.")
            await onboarding.save_interest(session, community_id, interest)
            if retargeted(replaced, interest):
                # Kept, the choice would show as theirs with a role or channel they were never given (as a removed
                # interest offered again would); what the old one gave stays theirs.
                await onboarding.forget_choices(session, community_id, interest.key)
        return interest, replaced

    async def remove_interest(self, community_id: int, label: str) -> None:
        async with self.services.db.write() as session:
            if not await onboarding.remove_interest(session, community_id, normalise_interest(label)):
                names = ", ".join(i.label for i in await onboarding.interests(session, community_id)) or "none yet"
                raise UserError(f"There is no interest called `{label}`. Interests: {names}.")

    # -- progress ------------------------------------------------------------------------------------------------
    async def progress(self, member_id: int) -> Progress | None:
        async with self.services.db.read() as session:
            journey = await onboarding.journey(session, member_id)
        return (await self.progress_of([journey]))[0] if journey else None

    async def progress_of(self, journeys: list[Journey]) -> list[Progress]:
        """Progress of several journeys of one community, in a few queries."""
        if not journeys:
            return []
        community_id = journeys[0].community_id
        settings = await self.services.settings.get(community_id)
        async with self.services.db.read() as session:
            setup = await onboarding.load_setup(session, community_id)
            enabled = await onboarding.steps_on(session, community_id, STEPS, intros_open(settings))
            done = await onboarding.done_steps(session, community_id, [j.member_id for j in journeys])
        return [
            Progress(
                journey,
                tuple(
                    StepState(step, step not in setup.optional_steps, done[journey.member_id].get(step))
                    for step in enabled
                ),
            )
            for journey in journeys
        ]

    async def open_progress(self, community_id: int | None = None) -> list[Progress]:
        """Everyone still on their way in (one community, or all of them for the sweep)."""
        async with self.services.db.read() as session:
            journeys = await onboarding.open_journeys(session, community_id)
        by_community: dict[int, list[Journey]] = {}
        for journey in journeys:
            by_community.setdefault(journey.community_id, []).append(journey)
        found: list[Progress] = []
        for group in by_community.values():
            found += await self.progress_of(group)
        return found

    # -- joining and steps ---------------------------------------------------------------------------------------
    async def start(self, member: Member, settings: CommunitySettings, now: datetime) -> tuple[bool, int | None]:
        """Begin a newcomer's journey and pair a welcomer; (new journey?, welcomer id)."""
        async with self.services.db.write() as session:
            if not await onboarding.start_journey(session, member.community_id, member.id, now):
                return False, None
            await self.services.db.announce(session, JOURNEY_STARTED)
            await ledger.record(session, [self._step_award(member, "joined", 0, settings, now)])
            welcomer = await onboarding.assign_welcomer(session, member.community_id, member.id, now)
        return True, welcomer

    async def start_again(self, member: Member, settings: CommunitySettings, now: datetime) -> Progress | None:
        """A fresh journey for a member still here whose data was deleted (`/mydata delete`, with theirs) when they
        ask for their checklist; None for anyone else without one (there before onboarding began). Deleted before
        agreeing to the rules, a newcomer could otherwise never agree, nor get what agreeing gives (the access role):
        until 2026-12-02 they were told they had been "here before it began". No welcomer is paired: they are no
        newcomer to the community, only to their checklist."""
        async with self.services.db.read() as session:
            erased = await lifecycle.erased(session, member.community_id, [member.ref.external_id])
        if not erased:
            return None
        async with self.services.db.write() as session:
            if await onboarding.start_journey(session, member.community_id, member.id, now):
                await ledger.record(session, [self._step_award(member, "joined", 0, settings, now)])
                await self.services.db.announce(session, JOURNEY_STARTED)
        return await self.progress(member.id)

    async def away(self, member: Member) -> bool:
        """Whether the member is one who left and was anonymised after `departed_retention`, seen again without
        having come back: their id is new to Hearth, so nothing else tells them from a member still here."""
        async with self.services.db.read() as session:
            return bool(await lifecycle.kept_marks(session, member.community_id, member.ref.external_id, [AWAY]))

    async def restart(self, member: Member, now: datetime) -> None:
        """The member came back after leaving: an open journey's wait at its step starts again now, so the
        reminder and the moderators' alert count the time since they are back (`storage.onboarding`)."""
        async with self.services.db.write() as session:
            await onboarding.restart_journey(session, member.id, now)

    def _step_award(self, member: Member, step: str, points: int, settings: CommunitySettings, now: datetime) -> Award:
        key = f"onboarding:{member.id}:{step}"
        return award(settings, member.community_id, member.id, Kind.ONBOARDING_STEP, points, key, now, reason=step)

    async def complete_step(
        self, member: Member, step: str, settings: CommunitySettings, now: datetime, chosen: list[str] | None = None
    ) -> StepOutcome:
        """Record a step (once) and, when it was the last required one, the completion and the welcomer's points."""
        progress = await self.progress(member.id)
        if progress is None or not progress.has(step):
            return StepOutcome(recorded=False)
        async with self.services.db.write() as session:
            if chosen is not None:
                await onboarding.set_choices(session, member.community_id, member.id, chosen)
            recorded = await ledger.record(
                session, [self._step_award(member, step, settings.of(OnboardingSettings).step_points, settings, now)]
            )
            if not recorded:
                return StepOutcome(recorded=False)
            still = [s for s in progress.steps if s.required and s.done_at is None and s.step != step]
            completed = None if still else await self._complete(session, progress.journey, settings, now)
        await self.services.points_recorded([*recorded, *(completed or [])])  # their levels, now committed
        if completed is None:
            return StepOutcome(recorded=True)
        return StepOutcome(recorded=True, completed=True, welcomer_id=progress.journey.welcomer_id)

    async def finish_if_nothing_left(self, progress: Progress, settings: CommunitySettings, now: datetime) -> bool:
        """Complete a journey with no required step left to do, though no step completed it: every step is off or
        optional from the start, or the steps the member had left were switched off (or became skipped: no
        interests, no intros channel) after they did the others. True only for the one caller that completed it."""
        if progress.journey.completed_at is not None or progress.current is not None:
            return False
        async with self.services.db.write() as session:
            completed = await self._complete(session, progress.journey, settings, now)
        if completed is None:
            return False
        await self.services.points_recorded(completed)
        return True

    async def _complete(
        self, session: AsyncSession, journey: Journey, settings: CommunitySettings, now: datetime
    ) -> list[Award] | None:
        """Claim the completion and give the welcomer their points: the awards recorded (none without a
        welcomer), or None when it was claimed before."""
        if not await onboarding.mark_complete(session, journey.member_id, now):
            return None
        if journey.welcomer_id is None:
            return []
        return await ledger.record(
            session,
            [
                award(
                    settings,
                    journey.community_id,
                    journey.welcomer_id,
                    Kind.WELCOMER_COMPLETED,
                    settings.of(OnboardingSettings).welcomer_points,
                    f"welcomer:{journey.member_id}",
                    now,
                    actor_id=journey.member_id,
                )
            ],
        )

    async def choices(self, member_id: int) -> list[str]:
        async with self.services.db.read() as session:
            return await onboarding.choices(session, member_id)

    # -- nudges and welcomes -------------------------------------------------------------------------------------
    async def introduced(self, community_id: int, member_ids: list[int]) -> bool:
        """Whether every one of these members has posted an introduction."""
        async with self.services.db.read() as session:
            return len(await onboarding.introduced(session, community_id, member_ids)) == len(set(member_ids))

    async def claim_notice(self, member_id: int, step: str, kind: str, now: datetime) -> bool:
        async with self.services.db.write() as session:
            return await onboarding.claim_notice(session, member_id, step, kind, now)

    async def release_notice(self, member_id: int, step: str, kind: str) -> None:
        async with self.services.db.write() as session:
            await onboarding.release_notice(session, member_id, step, kind)

    async def notices(self, member_ids: list[int]) -> set[tuple[int, str, str]]:
        async with self.services.db.read() as session:
            return await onboarding.notices(session, member_ids)

    async def welcome_now_or_queue(self, member: Member, settings: CommunitySettings, now: datetime) -> bool:
        """True: welcome this member alone, now. False: a raid is on, the welcome joins the next batch."""
        async with self.services.db.write() as session:
            recent, waiting = await onboarding.recent_welcomes(
                session, member.community_id, now - settings.of(OnboardingSettings).raid_window
            )
            if waiting == 0 and recent < settings.of(OnboardingSettings).raid_joins - 1:
                return await onboarding.mark_welcomed(session, member.id, now)
            await onboarding.queue_welcome(session, member.id, now)
            return False

    async def take_batch(self, community_id: int, queued_before: datetime, now: datetime) -> list[int]:
        async with self.services.db.write() as session:
            return await onboarding.take_queued_welcomes(session, community_id, queued_before, now)

    async def communities_with_batches(self) -> list[int]:
        async with self.services.db.read() as session:
            return await onboarding.communities_with_queued_welcomes(session)

    async def community_ref(self, community_id: int) -> CommunityRef:
        return (await self.services.identity.community_by_id(community_id)).ref

    async def member_refs(self, member_ids: list[int]) -> dict[int, MemberRef]:
        """Refs of our member ids (for mentions), through the identity map."""
        return {
            member_id: member.ref
            for member_id, member in (await self.services.identity.members_by_id(member_ids)).items()
        }

    async def volunteer(self, member: Member, active: bool) -> bool:
        async with self.services.db.write() as session:
            return await onboarding.set_welcomer(session, member.community_id, member.id, active)


def ago(delta: timedelta) -> str:
    """How long a member has been at a step, in words: whole hours from an hour on (`1 day 13 hours`), else
    whole minutes, at least one."""
    seconds = int(delta.total_seconds())
    if seconds >= 3600:
        return format_duration(timedelta(hours=seconds // 3600))
    return format_duration(timedelta(minutes=max(1, seconds // 60)))
