"""Introduction rules: the form's fields and limits, tags, points once, welcome points, matches."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from bot.core.awards import award
from bot.core.refs import Member
from bot.core.reply import UserError
from bot.core.services import Services
from cogs.introductions.settings import IntroductionSettings
from config.community import CommunitySettings
from storage import introductions, ledger
from storage.introductions import FieldRow, IntroRow, Match
from storage.kinds import Kind

INTERESTS_FIELD = "interests"
DEFAULT_FIELDS = (
    FieldRow("name", "What should we call you?", 60, True),
    FieldRow("location", "Where are you?", 80, True),
    FieldRow("about", "What brings you here?", 500, True),
    FieldRow(INTERESTS_FIELD, "Interests (comma-separated)", 200, True),
    FieldRow("fun_fact", "A fun fact about you", 200, False),
)
MAX_FIELDS = 5  # a Discord modal holds five inputs
DEFAULT_FIELD_LENGTH = 200
LABEL_LIMIT = 45  # Discord's limit for an input label
FIELD_LIMIT = 1000
MAX_TAGS = 20
TAG_LIMIT = 60
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_HINT = re.compile(r"\s*\([^()]*\)\s*$")


def card_label(label: str) -> str:
    """A form label as the intro card shows it: a trailing parenthesised hint for the person filling the form
    (`Interests (comma-separated)` → `Interests`) is left off; a label that is only a hint stays as it is."""
    return _HINT.sub("", label) or label


# Plural folding is a short rule set rather than a library: a tag only has to read as a word (/match shows it)
# and be the same for "board game" and "Board Games"; `inflect` would add a dependency (and typeguard) for one
# function. Rules are conservative: a word that may well be singular is left alone.
_SEPARATORS = re.compile(r"[\s_-]+")
# Words that only look plural (or are the same in both): never folded.
_AS_TYPED = frozenset(
    "news series species means lens kudos cosmos macos chromeos atlas canvas christmas texas vegas alias bias "
    "pilates".split()
)
# Nouns ending in -ie, whose plural -ies does not come from -y (movies → movie, but hobbies → hobby).
_IE_NOUNS = frozenset(
    "movie cookie zombie selfie indie brownie smoothie hoodie rookie goalie calorie techie newbie foodie pixie "
    "boogie aussie".split()
)
# Singular endings that a plural never has in an interest list (chess, glass, bus, tennis, physics, nodejs).
_SINGULAR_ENDINGS = ("ss", "us", "is", "ics", "js")
# After these the plural adds -es, which goes too (boxes → box, chesses → chess, dishes → dish, watches → watch).
_ES_AFTER = ("ss", "sh", "ch", "x")


def _singular(word: str) -> str:
    if len(word) <= 3 or not word.endswith("s") or word in _AS_TYPED or word.endswith(_SINGULAR_ENDINGS):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-1] if word[:-1] in _IE_NOUNS else word[:-3] + "y"
    if word.endswith("es") and word[:-2].endswith(_ES_AFTER):
        return word[:-2]
    return word[:-1]


def normalise_tag(text: str) -> str:
    """One spelling per interest: case, spacing, hyphens and underscores, a hashtag's `#`, simple plurals
    (`Board  Games`, `board-game` → `board game`; `CHESSES`, `#chess` → `chess`; `C#` stays `c#`)."""
    words = (word.lstrip("#") for word in _SEPARATORS.split(text.lower()))
    return " ".join(_singular(word) for word in words if word)[:TAG_LIMIT]


def interests_of(text: str) -> list[str]:
    """The interests as the member typed them, each once (the first spelling of those that normalise alike),
    without the empty items a stray comma leaves: what the card shows."""
    shown: dict[str, str] = {}
    for part in text.split(","):
        typed = " ".join(part.split())
        if (tag := normalise_tag(typed)) and tag not in shown:
            shown[tag] = typed
    return list(shown.values())


def tags_of(text: str) -> list[str]:
    return [normalise_tag(typed) for typed in interests_of(text)][:MAX_TAGS]


@dataclass(frozen=True)
class SavedIntro:
    first: bool  # the first intro: points and an onboarding step


class IntroductionService:
    def __init__(self, services: Services) -> None:
        self.services = services

    async def fields(self, community_id: int) -> list[FieldRow]:
        async with self.services.db.read() as session:
            return await introductions.fields(session, community_id) or list(DEFAULT_FIELDS)

    async def set_field(
        self, community_id: int, key: str, label: str | None, max_length: int | None, required: bool | None
    ) -> list[FieldRow]:
        """Add a field, or change an existing one's given parts only (None: keep what it has)."""
        if not _KEY.match(key):
            raise UserError("A field key is a short lowercase word like `pronouns` (letters, digits, _).")
        if label is not None and len(label) > LABEL_LIMIT:
            raise UserError(f"A field label is at most {LABEL_LIMIT} characters; yours is {len(label)}.")
        current = await self.fields(community_id)
        keys = [f.key for f in current]
        if key in keys:
            old = current[keys.index(key)]
            current[keys.index(key)] = FieldRow(
                key,
                old.label if label is None else label,
                old.max_length if max_length is None else max_length,
                old.required if required is None else required,
            )
        elif len(current) >= MAX_FIELDS:
            raise UserError(f"The intro form holds at most {MAX_FIELDS} fields; remove one first.")
        elif label is None:
            raise UserError(f'A new field needs its question: `/onboarding intro-field {key} "Your {key}?"`.')
        else:
            current.append(
                FieldRow(key, label, DEFAULT_FIELD_LENGTH if max_length is None else max_length, required is not False)
            )
        async with self.services.db.write() as session:
            await introductions.save_fields(session, community_id, current)
        return current

    async def remove_field(self, community_id: int, key: str) -> tuple[list[FieldRow], int]:
        """Remove the question `key` and the answers members gave to it (kept for nothing: no card shows them,
        and what is not needed is not kept). Returns the fields left and how many answers were deleted."""
        current = await self.fields(community_id)
        kept = [f for f in current if f.key != key]
        if len(kept) == len(current):
            raise UserError(f"The intro form has no field `{key}`. Fields: {', '.join(f.key for f in current)}.")
        if not kept:
            raise UserError("The intro form needs at least one field.")
        async with self.services.db.write() as session:
            await introductions.save_fields(session, community_id, kept)
            deleted = await introductions.delete_answers(session, community_id, key)
            if key == INTERESTS_FIELD:  # and the tags /match compares, read from those answers
                await introductions.delete_tags(session, community_id)
        return kept, deleted

    @staticmethod
    def check_answers(fields: list[FieldRow], values: dict[str, str]) -> dict[str, str]:
        """The answers to keep, or a clear UserError naming the first field that is missing or too long."""
        answers: dict[str, str] = {}
        for row in fields:
            value = values.get(row.key, "").strip()
            if row.key == INTERESTS_FIELD:
                # Kept as typed, less the empty items and repeats (`Chess, chess, , ,` is `Chess`).
                value = ", ".join(interests_of(value))
            if not value:
                if row.required:
                    raise UserError(f"“{row.label}” needs an answer. Nothing was posted; please try again.")
                continue
            if len(value) > row.max_length:
                raise UserError(
                    f"“{row.label}” is {len(value)} characters long; the limit is {row.max_length}. "
                    "Nothing was posted; please shorten it and try again."
                )
            answers[row.key] = value
        return answers

    async def intro(self, member_id: int) -> IntroRow | None:
        async with self.services.db.read() as session:
            return await introductions.intro(session, member_id)

    async def save(
        self,
        member: Member,
        post: tuple[str, str, str | None],
        answers: dict[str, str],
        settings: CommunitySettings,
        now: datetime,
    ) -> SavedIntro:
        tags = tags_of(answers.get(INTERESTS_FIELD, ""))
        points = settings.of(IntroductionSettings).intro_points
        first = award(settings, member.community_id, member.id, Kind.INTRO, points, f"intro:{member.id}", now)
        async with self.services.db.write() as session:
            await introductions.save_intro(session, member.community_id, member.id, post, now, answers, tags)
            recorded = await ledger.record(session, [first])
        await self.services.points_recorded(recorded)  # their level, now committed
        return SavedIntro(first=bool(recorded))

    async def welcome_reply(self, member: Member, thread_id: str, settings: CommunitySettings, now: datetime) -> bool:
        """A reply in an intro thread: the two have met; within the window it earns points (capped daily)."""
        async with self.services.db.write() as session:
            # The transaction wrote the member if first seen here; one another process (PostgreSQL) wrote first is
            # recorded under that row's id (under the id given here, the database refused the welcome).
            member = self.services.identity.settled(member)
            found = await introductions.intro_by_thread(session, member.community_id, thread_id)
            if found is None or found.member_id == member.id:
                return False
            await introductions.meet(session, member.id, found.member_id)
            if now - found.posted_at > settings.of(IntroductionSettings).intro_welcome_window:
                return False
            today = await ledger.count_since(
                session, member.community_id, member.id, Kind.INTRO_WELCOME, settings.day_start(now)
            )
            if today >= settings.of(IntroductionSettings).intro_welcome_daily_cap:
                return False
            welcome = award(
                settings,
                member.community_id,
                member.id,
                Kind.INTRO_WELCOME,
                settings.of(IntroductionSettings).intro_welcome_points,
                f"intro_welcome:{found.member_id}:{member.id}",
                now,
                actor_id=found.member_id,
                channel=thread_id,
            )
            recorded = await ledger.record(session, [welcome])
        await self.services.points_recorded(recorded)
        return bool(recorded)

    async def matches(self, member: Member) -> list[Match]:
        async with self.services.db.read() as session:
            return await introductions.matches(session, member.community_id, member.id)

    async def set_optout(self, member: Member, hidden: bool) -> bool:
        async with self.services.db.write() as session:
            return await introductions.set_optout(session, member.id, hidden)
