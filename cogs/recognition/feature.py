"""Commands and event handlers for recognition; turns service results into Replies."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from bot.core.arguments import typed_option
from bot.core.commands import Group, Option, OptionType, command
from bot.core.context import Context
from bot.core.events import (
    MemberJoined,
    MessageDeleted,
    MessagePosted,
    PointsRecorded,
    ReactionAdded,
    ReactionRemoved,
)
from bot.core.messenger import check_can_grant
from bot.core.refs import ChannelRef, Member, Permission, RoleRef
from bot.core.registry import Registry
from bot.core.reply import Card, CardField, Reply, UserError, literal, mention
from bot.core.services import Services
from bot.core.wording import percent, plural, points
from cogs.recognition.boards import PERIOD_TITLES, PREFIX, Boards, BoardView
from cogs.recognition.card import CardRenderer
from cogs.recognition.importer import IMPORTED_AT
from cogs.recognition.levels import MAX_LEVEL, MAX_TITLES, TITLE_LIMIT, encode_titles, level_of, parse_titles
from cogs.recognition.levelups import LevelUps, encode_rewards, reward_name, role_rewards
from cogs.recognition.report import BURST_MIN_KUDOS, WINDOW, Burst
from cogs.recognition.service import KEPT_LOCK_REASON, PERIODS, REASON_LIMIT, UNDONE, RecognitionService
from cogs.recognition.settings import (
    EMOJI_NAMES,
    MAX_TAGS,
    RecognitionSettings,
    is_tag,
    tag_list,
    tag_name,
    taken_word,
)
from config.community import CommunitySettings
from storage import recognition
from storage.ledger import Award
from storage.lifecycle import anonymised

log = logging.getLogger(__name__)

POINTS = Group("points", "Points adjustments")
SEASON = Group("season", "Seasons: boards that start at 0, over history that is kept")
LEVELS = Group("levels", "Level rewards: roles for levels, and re-applying them")
RECOGNITION = Group("recognition", "Recognition admin tools: audit, voids, locks")
TAG_ACTIONS = ("list", "add", "remove")
MAX_RECIPIENTS = 5  # one /kudos thanks at most this many members
REPORT_LIMIT = 5  # findings shown per kind, at most
# Where levels are titles, not roles (Slack): what `/levels role` and `/levels sync` answer.
NO_ROLES = "Roles are a Discord feature: here levels show as titles on /rank and the leaderboards (`/levels title`)."
_FIELD_BUDGET = 1000  # characters of findings per kind: a Discord field holds 1024 (room for "…and N more.")
_SKIN_TONES = re.compile("[\U0001f3fb-\U0001f3ff]")  # Fitzpatrick modifiers 🏻 to 🏿
_LIGHTEST_TONE = 0x1F3FB  # 🏻, Slack's `skin-tone-2` (its tones are numbered 2 to 6)
_SLACK_TONE = re.compile("skin-tone-([2-6])")
# A Discord server emoji, `<:name:id>` (`<a:name:id>` animated): its id is the emoji, its name can be changed.
_SERVER_EMOJI = re.compile(r"<a?:\w*:(\d+)>")
_AUDIT_WORDS = {
    "adjustment": "adjusted",
    "giving_locked": "giving locked for",
    "giving_unlocked": "giving unlocked for",
}
_VOIDS_OF = {"kudos_void": "kudos", "message_void": "activity"}  # what a void row takes back


class RecognitionFeature:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.recognition = RecognitionService(services)
        self.cards = CardRenderer()
        self.boards = Boards(services, self.recognition, self.cards)
        # One member's reactions on one message are handled in arrival order: platforms deliver each event as a
        # task of its own, and a quick add-then-remove must not have the removal look before the add is written.
        self._reacting: dict[tuple[str, str, str], tuple[asyncio.Lock, int]] = {}  # lock, events holding it
        self.levelups = LevelUps(services)

    def register(self, registry: Registry) -> None:
        registry.commands_of(self)
        registry.on(MessagePosted, self.on_message)
        registry.on(ReactionAdded, self.on_reaction_added)
        registry.on(ReactionRemoved, self.on_reaction_removed)
        registry.on(MessageDeleted, self.on_message_deleted)
        registry.component(PREFIX, self.boards.click)
        registry.home(self.boards.home)
        # Other cogs (a ritual's spotlight) read leaders through this port, not the ledger's tables.
        self.services.standings = self.recognition
        # Levels reached by message activity are announced once its batch is written (cogs/recognition/levelups.py),
        # and those reached by other cogs' points once they say so.
        self.services.activity.on_written(self.levelups.batch_written)
        registry.on(PointsRecorded, self.levelups.points_recorded)
        registry.on(MemberJoined, self.levelups.member_joined)

    @command(
        "kudos",
        "Thank a member (or up to 5 at once), with a reason",
        Option("member", OptionType.MEMBER, "Who you are thanking"),
        Option("reason", OptionType.TEXT, "What for", required=False, max_length=REASON_LIMIT),
        *(
            Option(f"member{n}", OptionType.MEMBER, "Someone else to thank with the same reason", required=False)
            for n in range(2, MAX_RECIPIENTS + 1)
        ),
    )
    async def kudos(
        self,
        ctx: Context,
        member: Member,
        reason: str | None,
        member2: Member | None = None,
        member3: Member | None = None,
        member4: Member | None = None,
        member5: Member | None = None,
    ) -> Reply:
        channel = ctx.channel.external_id if ctx.channel else None
        receivers: list[Member] = []
        for each in (member, member2, member3, member4, member5):
            # Naming someone twice thanks them once.
            if each is not None and all(each.id != seen.id for seen in receivers):
                receivers.append(each)
        outcome = await self.recognition.give_kudos(
            ctx.author, receivers, reason, ctx.settings, ctx.invocation_id, channel, ctx.now
        )
        if outcome.duplicate:
            return Reply.private("That kudos was already recorded — nothing more to do.")
        announced: list[tuple[ChannelRef, Reply]] = []  # posted under the kudos, which made them happen
        for each in receivers:
            await self._level_check(each, outcome.points, ctx.settings, channel, announced)
        # Phrased so it reads right whoever gave it, the console's `@you` too ("you can give 4 more").
        left = "no more kudos" if outcome.remaining_today == 0 else f"{outcome.remaining_today} more kudos"
        fields = (CardField("For", reason, inline=False),) if reason else ()
        named = _and(mention(each) for each in receivers)
        worth = f"+{points(outcome.points)} for " + (
            receivers[0].name if len(receivers) == 1 else f"each of {_and(each.name for each in receivers)}"
        )
        ids = outcome.kudos_ids or ((outcome.kudos_id,) if outcome.kudos_id else ())
        return Reply(
            text=f"{named}, you got kudos from {mention(ctx.author)}!",
            card=Card(
                title="🎉 Kudos",
                description=f"{named} received kudos from {mention(ctx.author)}",
                fields=fields,
                footer=f"{worth} · {ctx.author.name} can give {left} today"
                + (f" · kudos {', '.join(f'#{i}' for i in ids)}" if ids else ""),
                color=0xF5A623,
            ),
            then=tuple(announced),
        )

    @command(
        "leaderboard",
        "Top contributors this week, month, quarter, year, season or of all time; overall or in one category",
        Option(
            "period",
            OptionType.CHOICE,
            "week, month, quarter, year, all or season",
            required=False,
            choices=(*PERIODS, "season"),
        ),
        Option(
            "category",
            OptionType.TEXT,
            "all, kudos, activity, rituals, welcomes, intro, or a value tag (helpful)",
            required=False,
            default="all",
            max_length=40,
        ),
        Option("season", OptionType.TEXT, "A past season's name", required=False, max_length=50),
        Option(
            "around",
            OptionType.CHOICE,
            "me: your place, with the members just above and below",
            required=False,
            choices=("me",),
            noun="choice for around",
        ),
        read_only=True,
    )
    async def leaderboard(
        self, ctx: Context, period: str | None, category: str, season: str | None, around: str | None = None
    ) -> Reply:
        if season is not None and period not in (None, "season"):
            # A season's board has no weeks or months: showing it as if the period were understood would mislead
            # (as a category with a season is refused, in boards.py).
            raise UserError(
                f"A season's board covers the whole season, so it takes no period: leave out `period:{period}` "
                f"(or leave out `season:` for the board of {PERIOD_TITLES[period]})."
            )
        # The first page, public; its buttons page on (and show the clicker's place) privately (boards.py).
        return await self.boards.show(ctx, BoardView(period or "week", category, season, around=around == "me"))

    @command(
        "rank",
        "Points, rank and kudos of a member (you by default)",
        Option("member", OptionType.MEMBER, "Whose rank", required=False),
        read_only=True,
    )
    async def rank(self, ctx: Context, member: Member | None) -> Reply:
        return await self.boards.standing(ctx, member or ctx.author, image=True)

    @SEASON.command(
        "start",
        "Close the current season into an archive and start a new one (nothing is reset)",
        Option("name", OptionType.TEXT, "The new season's name", max_length=50),
        permission=Permission.ADMIN,
        example='/season start "Spring 2027"',
    )
    async def season_start(self, ctx: Context, name: str) -> Reply:
        # One line, as level titles are: a line break typed on Slack (Shift+Enter) made a name no hint or
        # `season:"..."` could name.
        name = " ".join(name.split())
        if not name:
            return Reply.private("A season needs a name.")
        closed = await self.recognition.start_season(ctx.community.id, name, ctx.now)
        before = ""
        if closed:
            typed = typed_option("season", closed.name)
            if typed is None:  # no quoting reads it back: no line to copy
                before = f" Season {literal(closed.name)} is closed and its board kept."
            else:
                # A backtick in the name would end a code span early: the line is shown as typed, outside one.
                hint = f"`/leaderboard {typed}`" if "`" not in typed else literal(f"/leaderboard {typed}")
                before = f" Season {literal(closed.name)} is closed: {hint}."
        return Reply(text=f"🏁 Season **{literal(name)}** starts now: everyone starts at 0 on its board.{before}")

    @POINTS.command(
        "adjust",
        "Add or take points from a member, with a reason (kept in the audit)",
        Option("member", OptionType.MEMBER, "Whose points"),
        Option("amount", OptionType.INTEGER, "Points to add (negative: take)", min_value=-100_000, max_value=100_000),
        Option("reason", OptionType.TEXT, "Why", max_length=REASON_LIMIT),
        permission=Permission.ADMIN,
        # Built from the options, the example took the lowest amount: 100,000 points from whoever copied it.
        example='/points adjust @alex 50 "points from our old bot"',
    )
    async def adjust(self, ctx: Context, member: Member, amount: int, reason: str) -> Reply:
        if amount == 0:
            return Reply.private("An adjustment of 0 points changes nothing.")
        if member.is_bot:  # as kudos and message points: boards rank people
            raise UserError("Bots don't collect points, so there is nothing to adjust: boards rank people.")
        done = await self.recognition.adjust(ctx.author, member, amount, reason, ctx.settings, ctx.invocation_id)
        if not done:
            return Reply.private("That adjustment was already recorded — nothing more to do.")
        await self._level_check(member, amount, ctx.settings, ctx.channel.external_id if ctx.channel else None)
        sign = "+" if amount > 0 else "-"  # a hyphen-minus, as boards write negative totals
        return Reply.private(
            f"{sign}{points(abs(amount))} for {literal(member.name)} ({literal(reason)}); "
            "it is in `/recognition audit`."
        )

    @RECOGNITION.command(
        "tags",
        "The community's value tags, written in a kudos reason (#helpful): list, add or remove",
        Option("action", OptionType.CHOICE, "list, add or remove", required=False, choices=TAG_ACTIONS, default="list"),
        Option("tag", OptionType.TEXT, "The tag (letters, digits, - and _)", required=False, max_length=31),
        permission=Permission.ADMIN,
    )
    async def tags(self, ctx: Context, action: str, tag: str | None) -> Reply:
        own = ctx.settings.of(RecognitionSettings)
        known = tag_list(own)
        if action == "list" and tag:  # `/recognition tags helpful`: the action was left out, not meant as list
            raise UserError(f"Add or remove `{literal(tag)}`? `/recognition tags add {literal(tag)}` adds it.")
        if action == "list":
            if not known:
                return Reply.private("No value tags yet: `/recognition tags add helpful` adds one.")
            return Reply.private(
                f"Value tags ({own.value_tags_mode}): "
                + ", ".join(f"#{each}" for each in known)
                + ". Boards: `/leaderboard category:TAG`."
            )
        name = tag_name(tag or "")
        if not is_tag(name):
            return Reply.private(
                "A tag is one word of up to 30 letters, digits, - or _ (`/recognition tags add helpful`)."
            )
        if action == "add":
            if name in known:
                return Reply.private(f"#{name} is a value tag already.")
            if (taken := taken_word(name)) is not None:
                return Reply.private(f"{taken}.")
            if name == "none":  # refused here in this command's words, not the `/config set value_tags` check's
                return Reply.private("`none` can't be a value tag: it means “no tags”. Choose another word.")
            if len(known) >= MAX_TAGS:
                return Reply.private(f"A community has at most {MAX_TAGS} value tags: remove one first.")
            known.append(name)
        else:
            if name not in known:
                return Reply.private(f"#{name} is not a value tag.")
            known.remove(name)
        await self.services.settings.set(ctx.community.id, "value_tags", " ".join(known))
        done = "added" if action == "add" else "removed (its boards keep their history)"
        return Reply.private(f"#{name} {done}. Value tags: {', '.join(f'#{each}' for each in known) or 'none'}.")

    @RECOGNITION.command(
        "void",
        "Void kudos by their id (shown in the kudos message), with a reason",
        Option("kudos_id", OptionType.INTEGER, "The kudos' id", min_value=1),
        Option("reason", OptionType.TEXT, "Why", max_length=REASON_LIMIT),
        permission=Permission.MODERATOR,
        example='/recognition void 12 "thanked for their own work"',
    )
    async def void(self, ctx: Context, kudos_id: int, reason: str) -> Reply:
        name, void = await self.recognition.void_kudos(ctx.author, kudos_id, reason, ctx.settings)
        await self._voided([void], ctx.settings)
        return Reply.private(f"Kudos #{kudos_id} to {literal(name)} are void ({literal(reason)}).")

    @RECOGNITION.command(
        "lock",
        "Stop a member from giving kudos",
        Option("member", OptionType.MEMBER, "Who"),
        Option("reason", OptionType.TEXT, "Why", required=False, max_length=REASON_LIMIT),
        permission=Permission.MODERATOR,
    )
    async def lock(self, ctx: Context, member: Member, reason: str | None) -> Reply:
        locked = await self.recognition.set_lock(
            ctx.author, ctx.level, member, True, reason, ctx.settings, ctx.invocation_id
        )
        if not locked:
            return Reply.private(f"{literal(member.name)} cannot give kudos already.")
        return Reply.private(f"{literal(member.name)} can no longer give kudos, until `/recognition unlock`.")

    @RECOGNITION.command(
        "unlock",
        "Let a member give kudos again",
        Option("member", OptionType.MEMBER, "Who"),
        permission=Permission.MODERATOR,
    )
    async def unlock(self, ctx: Context, member: Member) -> Reply:
        unlocked = await self.recognition.set_lock(
            ctx.author, ctx.level, member, False, None, ctx.settings, ctx.invocation_id
        )
        if not unlocked:
            return Reply.private(f"{literal(member.name)} can give kudos already.")
        return Reply.private(f"{literal(member.name)} can give kudos again.")

    @RECOGNITION.command(
        "audit",
        "The latest adjustments, voids and locks, with who and why",
        Option("member", OptionType.MEMBER, "Only this member's", required=False),
        permission=Permission.MODERATOR,
    )
    async def audit(self, ctx: Context, member: Member | None) -> Reply:
        rows = await self.recognition.audit(ctx.community.id, member)
        if not rows:
            return Reply.private("Nothing adjusted, voided or locked yet.")
        people = await self.services.identity.members_by_id(
            list({row.member_id for row in rows} | {row.actor_id for row in rows if row.actor_id})
        )

        def name(member_id: int | None) -> str:
            found = people.get(member_id) if member_id is not None else None
            if found is not None and anonymised(found.ref.external_id):
                return "a former member"
            return literal(found.name) if found else "someone"

        zone = ctx.settings.zone()

        def when(moment: datetime) -> str:
            # An import's date says "before Hearth", not a moment: shown as dated (README), not as the evening of
            # 1999-12-31 it is west of UTC.
            return f"{IMPORTED_AT:%Y-%m-%d}" if moment == IMPORTED_AT else f"{moment.astimezone(zone):%Y-%m-%d %H:%M}"

        def what(row: recognition.AuditRow) -> str:
            # A void is dated as what it voids (it counts in that week and month), not when it was made: shown as
            # that date, it read as the day of the void (until 2026-12-02).
            if row.kind in _VOIDS_OF:
                return f"{_VOIDS_OF[row.kind]} of `{when(row.created_at)}` voided for"
            return f"`{when(row.created_at)}` {_AUDIT_WORDS[row.kind]}"

        lines = [
            f"{what(row)} **{name(row.member_id)}**"
            + (f" {row.points:+,d}" if row.points else "")
            + (
                " (automatic)"
                if row.kind in ("kudos_void", "message_void") and row.reason in UNDONE
                else " by import"  # `hearth points import` rows have no actor (cogs/recognition/importer.py)
                if row.kind == "adjustment" and row.actor_id is None
                # A lock kept through the member's `/mydata delete`: the row naming its moderator went with their data.
                else ""
                if row.kind == "giving_locked" and row.reason == KEPT_LOCK_REASON and row.actor_id is None
                else f" by {name(row.actor_id)}"
            )
            + (f" — {literal(row.reason)}" if row.reason else "")
            for row in rows
        ]
        return Reply(card=Card(title="🧾 Recognition audit", description="\n".join(lines)), ephemeral=True)

    @RECOGNITION.command(
        "report",
        "Kudos patterns of the last 30 days worth a look: rings, one-sided giving, bursts, with the evidence",
        permission=Permission.MODERATOR,
        read_only=True,
        slow=True,
    )
    async def report(self, ctx: Context) -> Reply:
        found = await self.recognition.report(ctx.community.id, ctx.now)
        zone = ctx.settings.zone()
        since = f"{(ctx.now - WINDOW).astimezone(zone):%Y-%m-%d} – {ctx.now.astimezone(zone):%Y-%m-%d}"
        checked = f"{plural(found.kudos, 'kudos', 'kudos')} from {plural(found.givers, 'member')} checked, {since}."
        if not (found.rings or found.one_sided or found.bursts):
            return Reply.private(f"Nothing suspicious in the last 30 days: {checked}")
        people = await self.services.identity.members_by_id(sorted(found.members))

        def who(member_id: int) -> str:
            found = people.get(member_id)
            return mention(found) if found and not anonymised(found.ref.external_id) else "a former member"

        def day(moment: datetime) -> str:
            return f"{moment.astimezone(zone):%Y-%m-%d}"

        def share(part: int, whole: int) -> str:
            return f"{part} of {whole} ({percent(part, whole)})"

        allowance = ctx.settings.of(RecognitionSettings).kudos_daily_limit * WINDOW.days
        sections: list[CardField] = []
        rings = [
            "• "
            + " ⇄ ".join(who(m) for m in ring.members)
            + ": "
            + "; ".join(
                f"{who(m)} gave the {'other' if len(ring.members) == 2 else 'others'} "
                f"{share(ring.gave_inside(m), ring.given[m])}"
                for m in ring.members
            )
            + f" · {day(ring.first)} – {day(ring.last)}"
            for ring in found.rings
        ]

        def when(burst: Burst) -> str:
            return (
                f"{_minutes(burst.end - burst.start)} · {burst.start.astimezone(zone):%Y-%m-%d %H:%M}–"
                f"{burst.end.astimezone(zone):%H:%M}"
            )

        # A burst from one giver to one receiver is one finding, listed once: the receiver's burst is the same
        # kudos, and where the pair is one-sided too, the burst is said on that line.
        pair_bursts: dict[tuple[int | None, int | None], Burst] = {
            (b.member, b.other): b for b in found.bursts if b.giving and b.other is not None
        }
        twins = {
            id(b)
            for b in found.bursts
            if not b.giving and (giver := pair_bursts.get((b.other, b.member))) and giver.count == b.count
        }
        said_with: set[int] = set()
        one_sided: list[str] = []
        for each in found.one_sided:
            burst = pair_bursts.get((each.giver, each.receiver))
            also = f"; {burst.count} of them within {when(burst)}" if burst else ""
            if burst:
                said_with.add(id(burst))
            one_sided.append(
                f"• {who(each.giver)} → {who(each.receiver)}: {share(each.count, each.given)} of the kudos "
                f"{who(each.giver)} gave (allowance {allowance}); back: {each.back} · {day(each.first)} – "
                f"{day(each.last)}{also}"
            )
        bursts = [
            f"• {who(burst.member)} gave {burst.count} kudos to {who(burst.other)} within {when(burst)}"
            if burst.giving and burst.other is not None
            else f"• {who(burst.member)} {'gave' if burst.giving else 'received'} {burst.count} kudos "
            f"{'to' if burst.giving else 'from'} {plural(burst.others, 'member')} within {when(burst)}"
            for burst in found.bursts
            if id(burst) not in said_with and id(burst) not in twins
        ]
        for title, lines in (
            ("Rings: members giving each other most of their kudos", rings),
            ("One-sided: most of a member's kudos to one member", one_sided),
            (f"Bursts: {BURST_MIN_KUDOS} or more kudos within an hour", bursts),
        ):
            shown: list[str] = []
            for line in lines[:REPORT_LIMIT]:  # as many as a Discord field holds (1024 characters)
                if sum(len(each) + 1 for each in shown) + len(line) > _FIELD_BUDGET and shown:
                    break
                shown.append(line)
            if shown:
                more = f"\n…and {len(lines) - len(shown)} more." if len(lines) > len(shown) else ""
                sections.append(CardField(title, "\n".join(shown) + more, inline=False))
        return Reply(
            card=Card(
                title="🔎 Recognition report — the last 30 days",
                description="Patterns worth a look, not verdicts: `/recognition void` and `/recognition lock` act.",
                fields=tuple(sections),
                footer=checked[0].upper() + checked[1:] + " Thresholds: README, Recognition report.",
            ),
            ephemeral=True,
        )

    async def _level_check(
        self,
        member: Member,
        gained: int,
        settings: CommunitySettings,
        channel: str | None,
        then: list[tuple[ChannelRef, Reply]] | None = None,
    ) -> None:
        after = await self.recognition.all_time_points(member)
        await self.levelups.points_changed(member, after - gained, after, settings, channel, then)

    async def _voided(self, voids: list[Award], settings: CommunitySettings) -> None:
        """Level checks for the members voids took points from: a drop below a level takes its role away."""
        taken: dict[int, int] = {}
        for void in voids:
            taken[void.member_id] = taken.get(void.member_id, 0) + void.points
        found = await self.services.identity.members_by_id([m for m, points in taken.items() if points])
        for member_id, member in found.items():
            await self._level_check(member, taken[member_id], settings, None)

    @LEVELS.command(
        "role",
        "Reward a level with a role (leave the role out to stop rewarding that level)",
        Option("level", OptionType.INTEGER, "The level", min_value=1, max_value=MAX_LEVEL),
        Option("role", OptionType.ROLE, "The role it gives", required=False),
        permission=Permission.ADMIN,
    )
    async def level_role(self, ctx: Context, level: int, role: RoleRef | None) -> Reply:
        if not self.services.messenger.capabilities.roles:
            return Reply.private(NO_ROLES)
        rewards = role_rewards(ctx.settings.of(RecognitionSettings))
        if role is None:
            if rewards.pop(level, None) is None:
                return Reply.private(f"Level {level} rewards no role.")
            # Hearth takes no role back for this (until 2026-12-02 the reply did not say so): from now on it is a
            # role like any other of the community's, which /levels sync leaves alone too.
            said = (
                f"Level {level} no longer rewards a role. Members who have that role keep it: Hearth no longer"
                " gives or takes it."
            )
        else:
            await check_can_grant(self.services.messenger, role)
            rewards[level] = role.external_id
            name = literal(role.name or role.external_id)
            sign = self.services.messenger.capabilities.role_sign
            said = f"Level {level} now gives {sign}{name}; `/levels sync` gives it to members there already."
        await self.services.settings.set(ctx.community.id, "level_roles", encode_rewards(rewards))
        return Reply.private(said)

    @LEVELS.command(
        "title",
        "Name a level (from it to the next named one); no title: drop it; no level: list them",
        Option("level", OptionType.INTEGER, "The level", required=False, min_value=0, max_value=MAX_LEVEL),
        Option("title", OptionType.TEXT, "What it is called (Pillar)", required=False, max_length=TITLE_LIMIT),
        permission=Permission.ADMIN,
    )
    async def level_title(self, ctx: Context, level: int | None, title: str | None) -> Reply:
        titles = parse_titles(ctx.settings.of(RecognitionSettings).level_titles)
        where = (
            ""
            if not self.services.messenger.capabilities.roles
            else " They show where levels are not roles (Slack); here levels are rewarded with `/levels role`."
        )
        name = " ".join((title or "").split())
        if level is None and name:  # `title:Pillar` alone (Discord's options by name): it was listed, not kept
            raise UserError(
                f"Which level is called {literal(name)}? `/levels title 10 {literal(name)}` names level 10."
            )
        if level is None:
            return Reply.private(f"Level titles: {_titles_text(titles)}.{where}")
        if "," in name or ":" in name:
            return Reply.private(
                "A title cannot hold a comma or a `:` (they separate titles, and levels from titles, in "
                "`level_titles`)."
            )
        if not name:
            if titles.pop(level, None) is None:
                return Reply.private(f"Level {level} has no title. Level titles: {_titles_text(titles)}.")
        elif level not in titles and len(titles) >= MAX_TITLES:
            return Reply.private(f"A community names at most {MAX_TITLES} levels: drop one first.")
        else:
            titles[level] = name
        await self.services.settings.set(ctx.community.id, "level_titles", encode_titles(titles))
        return Reply.private(f"Level titles: {_titles_text(titles)}.{where}")

    @LEVELS.command(
        "sync",
        "Re-apply level roles to every member with points (one at a time, within the platform's rate limits)",
        permission=Permission.ADMIN,
    )
    async def level_sync(self, ctx: Context) -> Reply:
        own = ctx.settings.of(RecognitionSettings)
        if not self.services.messenger.capabilities.roles:  # not "set one with /levels role": it would refuse
            return Reply.private(NO_ROLES)
        if not role_rewards(own):
            sign = self.services.messenger.capabilities.role_sign
            return Reply.private(f"No level rewards roles: `/levels role LEVEL {sign}role` sets one.")
        totals = await self.recognition.members_with_points(ctx.community.id)
        people = await self.services.identity.members_by_id([member_id for member_id, _ in totals])
        synced = changed = 0
        refused: dict[str, str] = {}  # role → why the platform refused it (the moderators' report is once per role)
        # One member after the other: discord.py waits out a 429 (retry_after) itself, so the sync slows down
        # rather than fails on a large community.
        for member_id, total in totals:
            found = people.get(member_id)
            if found is not None and not self.services.identity.departed(member_id):
                level = level_of(total, own.level_curve, own.level_step).level
                changed += await self.levelups.apply_roles(found, level, ctx.settings, refused=refused)
                synced += 1
        # The platforms do not say which roles a member has: a grant counts whether or not it was new, and so
        # does a removal (sync takes every reward the level does not keep, to repair whatever the member holds).
        text = (
            f"Level roles re-applied for {plural(synced, 'member')} "
            f"({plural(changed, 'role')} given or removed, counting those already held or already gone)."
        )
        # Said here, to the admin who asked: until 2026-12-02 a sync every grant of which was refused answered as
        # above alone (the moderators had been told once, at the first refusal, and were not told again).
        rewards = role_rewards(own)
        for role, reason in refused.items():
            text += f"\nNot applied — {reward_name(rewards, role)}: {reason}"
        return Reply.private(text)

    async def on_message(self, event: MessagePosted) -> None:
        member = await self.services.identity.member(event.author)
        settings = await self.services.settings.get(member.community_id)
        award = self.recognition.activity_award(
            member, event.message_id, event.channel.external_id, settings, self.services.clock.now(), event.text
        )
        if award is not None:
            self.services.activity.submit(award)

    @asynccontextmanager
    async def _in_order(self, event: ReactionAdded | ReactionRemoved) -> AsyncIterator[None]:
        # Taken before the handler's first await, so the lock is queued for in the order events arrived.
        key = (event.channel.community.external_id, event.message_id, event.member.external_id)
        lock, users = self._reacting.get(key, (asyncio.Lock(), 0))
        self._reacting[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._reacting[key]
            if users == 1:
                del self._reacting[key]
            else:
                self._reacting[key] = (lock, users - 1)

    async def on_reaction_added(self, event: ReactionAdded) -> None:
        async with self._in_order(event):
            await self._reaction_added(event)

    async def on_reaction_removed(self, event: ReactionRemoved) -> None:
        async with self._in_order(event):
            await self._reaction_removed(event)

    async def _reaction_added(self, event: ReactionAdded) -> None:
        author = event.message_author
        if author is None:
            return  # a message whose author the platform could not say: nothing to thank
        giver = await self.services.identity.member(event.member)
        settings = await self.services.settings.get(giver.community_id)
        if not same_emoji(event.emoji, settings.of(RecognitionSettings).kudos_emoji):
            return
        if author.is_bot or event.member.is_bot or author == event.member:
            return  # bots' and webhooks' messages, bots reacting, and your own message count for nothing
        receiver = await self.services.identity.member(author)
        now = self.services.clock.now()
        try:
            outcome = await self.recognition.react(
                giver, receiver, event.channel.external_id, event.message_id, settings, now
            )
        except UserError as refusal:
            # The reaction stays (it is the member's), but they learn privately why it gave nothing.
            await self.services.notify_member(event.member, Reply(text=f"Your {event.emoji} gave no kudos: {refusal}"))
            return
        if not outcome.duplicate:
            receiver = self.services.identity.settled(receiver)  # written by the kudos' transaction, maybe moved
            await self._level_check(receiver, outcome.points, settings, event.channel.external_id)
            left = "no kudos" if outcome.remaining_today == 0 else f"{outcome.remaining_today} kudos"
            log.info("reaction kudos %s -> %s (%s left)", giver.id, receiver.id, left)

    async def _reaction_removed(self, event: ReactionRemoved) -> None:
        giver = await self.services.identity.member(event.member)
        settings = await self.services.settings.get(giver.community_id)
        if not same_emoji(event.emoji, settings.of(RecognitionSettings).kudos_emoji):
            return
        voids = await self.recognition.take_back(
            giver, event.channel.external_id, event.message_id, settings, self.services.clock.now()
        )
        await self._voided(voids, settings)

    async def on_message_deleted(self, event: MessageDeleted) -> None:
        community_id = (await self.services.identity.community(event.channel.community)).id
        settings = await self.services.settings.get(community_id)
        voids = await self.recognition.message_deleted(
            community_id, event.channel.external_id, event.message_id, settings
        )
        await self._voided(voids, settings)


def _toned(emoji: str) -> tuple[str, tuple[str, ...]]:
    """An emoji as (its untoned form, its skin tones in order as Unicode modifiers; none when untoned). Slack writes
    a tone as a suffix to the name (`+1::skin-tone-2`), Discord and the console as a modifier character after the
    emoji (👍🏻, one per person): both read alike."""
    name, _, suffix = emoji.strip().strip(":").partition("::")
    unicode = EMOJI_NAMES.get(name, name)
    tones = tuple(_SKIN_TONES.findall(unicode))
    if slack := _SLACK_TONE.fullmatch(suffix):
        tones += (chr(_LIGHTEST_TONE + int(slack.group(1)) - 2),)
    return _SKIN_TONES.sub("", unicode).removesuffix("\ufe0f"), tones


def same_emoji(given: str, configured: str) -> bool:
    """Whether a reaction is the configured emoji. An untoned one counts in every skin tone: members' clients add
    their own tone to every reaction they make. A toned one (👍🏽) counts only in that tone: the community chose it.
    A Discord server emoji is the same emoji by its id whatever it is called now (renamed since it was chosen)."""
    server_given = _SERVER_EMOJI.fullmatch(given.strip())
    server_chosen = _SERVER_EMOJI.fullmatch(configured.strip())
    if server_given is not None and server_chosen is not None:
        return server_given[1] == server_chosen[1]
    if server_given is not None or server_chosen is not None:
        return False
    given_base, given_tones = _toned(given)
    base, tones = _toned(configured)
    return given_base == base and (not tones or given_tones == tones)


def _and(names: Iterable[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    listed = list(names)
    return listed[0] if len(listed) == 1 else f"{', '.join(listed[:-1])} and {listed[-1]}"


def _titles_text(titles: dict[int, str]) -> str:
    """`0 Newcomer, 5 Contributor` (levels from which each title holds), or `none`."""
    return ", ".join(f"{level} {literal(title)}" for level, title in sorted(titles.items())) or "none"


def _minutes(span: timedelta) -> str:
    minutes = max(1, round(span.total_seconds() / 60))
    return plural(minutes, "minute")
