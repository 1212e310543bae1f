"""Leaderboard pages and the "around me" view, level titles, and a member's standing (`/rank`, App Home).

A board shows `PAGE_SIZE` members a page. Its buttons carry the whole view in their action id
(`lb:PERIOD:CATEGORY:PAGE:SEASON`, PAGE a number or `me`), so a click works after a restart; a click answers
the clicker privately, so members page on their own and the board everyone sees stays as posted. Every read
is an index read of the totals (a page: `storage.ledger.top` with an `OFFSET`; "around me": the asker's
`standing` and their neighbours on the points index, `storage.recognition.neighbours`), never of the ledger; a
running season's board is the pass over the community's all-time totals it always is (storage/seasons.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.core.context import Context
from bot.core.events import id_number
from bot.core.messenger import attached_capabilities
from bot.core.refs import Member, Permission
from bot.core.reply import Attachment, Button, ButtonStyle, Card, CardField, Reply, UserError, literal
from bot.core.services import Services
from bot.core.wording import medal, not_one_of, number, points
from cogs.recognition.card import CardRenderer, RankCardData
from cogs.recognition.levels import level_of, parse_titles, title_of
from cogs.recognition.service import CATEGORIES, PERIODS, RecognitionService
from cogs.recognition.settings import CATEGORY_ALIASES, RecognitionSettings, tag_list, tag_name
from storage import ledger, recognition, seasons
from storage.ledger import BoardRow, Standing, tag_category

PREFIX = "lb"
PAGE_SIZE = 10
AROUND = 3  # members shown above and below the one asking, in the "around me" view
SWITCHED_OFF = "Leaderboards are switched off in this community (public_leaderboards is off)."
EMPTY = "No points yet. Say hello, or thank someone with /kudos!"
# An empty category board says what puts someone on it (until 2026-12-01 every board suggested hello and kudos,
# which reach no rituals, welcomes or introductions board).
EMPTY_IN = {
    "kudos": "No kudos yet. Thank someone with /kudos!",
    "activity": "No points yet. Say hello!",
    "rituals": "No points yet: take part in a ritual when it next runs.",
    "welcomes": "No points yet: welcome a newcomer in their intro thread.",
    "intro": "No points yet: introduce yourself with /intro.",
}
# A closed season's board never changes again: saying hello would add nothing to it. Nobody on it need not mean
# nobody scored: those who did may be hidden from boards, or gone.
EMPTY_CLOSED = "Nobody is on this season's board."
NO_PLACE = "You have no points on this board yet, so you have no place on it."
# A closed season's board never changes: "yet" promised points it can no longer take (until 2026-12-02).
NO_PLACE_CLOSED = "You have no points on this season's board, so you have no place on it."

PERIOD_TITLES = {
    "week": "this week",
    "month": "this month",
    "quarter": "this quarter",
    "year": "this year",
    "all": "all time",
}
CATEGORY_TITLES = {
    "kudos": "kudos",
    "activity": "activity",
    "rituals": "rituals",
    "welcomes": "welcomes",
    "intro": "introductions",
}


@dataclass(frozen=True)
class BoardView:
    """Which board and which part of it: `period` is one of PERIODS or `season` (then `season` names it);
    `category` is `all`, a category or a value tag's name; `page` counts from 1; `around`: the asker's place."""

    period: str
    category: str = "all"
    season: str | None = None
    page: int = 1
    around: bool = False

    def action_id(self, page: int | None = None, *, around: bool = False) -> str:
        # The season goes last: a season's name may hold a colon. At most about 70 characters (Discord: 100).
        where = "me" if around else str(page or self.page)
        return f"{PREFIX}:{self.period}:{self.category}:{where}:{self.season or ''}"


def parse_view(rest: str) -> BoardView | None:
    """The view a button's action id (after `lb:`) names; None when it is not one."""
    parts = rest.split(":", 3)
    if len(parts) != 4:
        return None
    period, category, where, season = parts
    if period not in (*PERIODS, "season") or not category:
        return None
    if where == "me":
        return BoardView(period, category, season or None, around=True)
    page = id_number(where)
    if page is None or page < 1:
        return None
    return BoardView(period, category, season or None, page)


def shown_titles(own: RecognitionSettings, platform_has_roles: bool) -> dict[int, str]:
    """Level titles where levels are not roles (Slack); none where the platform gives roles (Discord, console),
    whose level roles (`/levels role`) are what a level is called there."""
    return {} if platform_has_roles else parse_titles(own.level_titles)


@dataclass(frozen=True)
class _Board:
    """One board resolved: its title and where its rows come from: a totals bucket, or (`running`, a season's
    id) a running season's board, computed by a pass over the community's all-time totals."""

    view: BoardView
    title: str
    bucket: str = ""
    running: int | None = None
    closed: bool = False  # a closed season's board: written once, never to change
    empty: str = EMPTY  # what it says with nobody on it


class Boards:
    def __init__(self, services: Services, recognition_service: RecognitionService, cards: CardRenderer) -> None:
        self.services = services
        self.recognition = recognition_service
        self.cards = cards

    def _platform_has_roles(self) -> bool:
        capabilities = attached_capabilities(self.services.messenger)
        return True if capabilities is None else capabilities.roles  # in-process: levels are not titles

    # -- leaderboards ---------------------------------------------------------------------------------
    async def show(self, ctx: Context, view: BoardView, *, private: bool = False) -> Reply:
        """A page of the board, or the asker's place on it; UserError for a board that cannot be shown."""
        own = ctx.settings.of(RecognitionSettings)
        if not own.public_leaderboards:
            if ctx.level < Permission.MODERATOR:
                return Reply.private(SWITCHED_OFF)
            private = True  # boards are for moderators only: one never goes to the channel's members
        board = await self._resolve(ctx, view, own)
        if view.around:
            return replace(await self._around(ctx, board, own), ephemeral=True)
        reply = await self._page(ctx, board, own)
        return replace(reply, ephemeral=True) if private else reply

    async def click(self, ctx: Context, rest: str, values: tuple[str, ...]) -> Reply | None:
        view = parse_view(rest)
        if view is None:
            return Reply.private("That button no longer does anything.")
        return await self.show(ctx, view, private=True)

    async def _resolve(self, ctx: Context, view: BoardView, own: RecognitionSettings) -> _Board:
        # A bare `#` names no tag: refused as the word it is, not read as the overall board.
        category = tag_name(view.category) or view.category.strip() or "all"
        if category not in tag_list(own):
            category = CATEGORY_ALIASES.get(category, category)
        tag = category if category not in CATEGORIES and category in tag_list(own) else None
        if category not in CATEGORIES and tag is None:
            # A word none of the periods is read as a category (`/leaderboard kudos`): name both lists.
            periods = f"{', '.join(PERIODS)} or season"
            refused = not_one_of(f"`{literal(category)}`", "category", [*CATEGORIES, *tag_list(own)])
            raise UserError(f"{refused[:-1]} (a period is {periods}).")
        await self.services.activity.flush()  # read your own recent activity
        if view.season is not None or view.period == "season":
            if category != "all":
                raise UserError("Season boards are overall only: leave out the category.")
            async with self.services.db.read() as session:
                found = await (
                    seasons.by_name(session, ctx.community.id, view.season)
                    if view.season
                    else seasons.current(session, ctx.community.id)
                )
                if found is None and view.season:
                    known = await seasons.recent(session, ctx.community.id)
                    listed = ", ".join(
                        f"{literal(season.name)}{'' if season.closed_at else ' (running)'}" for season in known
                    )
                    raise UserError(
                        f"There is no season called {literal(view.season)}."
                        + (f" Seasons here: {listed}." if listed else " No season has been started here yet.")
                    )
                if found is None:
                    # The hint names an admin's command: a member is told only that none runs (until 2026-12-02
                    # members were shown it too).
                    hint = ": `/season start NAME`" if ctx.level >= Permission.ADMIN else ""
                    raise UserError(f"No season is running{hint}.")
            title = f"🏆 Leaderboard — season {literal(found.name)}" + (" (closed)" if found.closed_at else "")
            # The season by name from here on: a click after the next season starts still shows this one.
            resolved = replace(view, period="season", category="all", season=found.name)
            if found.closed_at is None:
                return _Board(resolved, title, running=found.id)
            return _Board(resolved, title, seasons.board_bucket(found.id), closed=True)
        title = f"🏆 Leaderboard — {PERIOD_TITLES[view.period]}"
        if category != "all":
            title += f" · #{tag}" if tag else f" · {CATEGORY_TITLES[category]}"
        of = tag_category(tag) if tag else None if category == "all" else category
        bucket = ledger.period_bucket(view.period, ctx.now, ctx.settings.timezone, of)
        empty = f"No kudos tagged #{tag} yet." if tag else EMPTY_IN.get(category, EMPTY)
        return _Board(replace(view, category=category), title, bucket, empty=empty)

    async def _running(self, ctx: Context, season_id: int, limit: int) -> list[BoardRow]:
        """The first `limit` rows of a running season's board (its ranks need only the rows before them)."""
        async with self.services.db.read() as session:
            return _ranked(await seasons.running_board(session, ctx.community.id, season_id, limit))

    async def _page(self, ctx: Context, board: _Board, own: RecognitionSettings) -> Reply:
        wanted = board.view.page
        if board.running is not None:
            # A running season's board is a pass over the totals: read up to this page and one row more (is
            # there a next page?), not the whole board to count it.
            prefix = await self._running(ctx, board.running, wanted * PAGE_SIZE + 1)
            more = len(prefix) > wanted * PAGE_SIZE
            page = wanted if more else max(1, min(wanted, -(-len(prefix) // PAGE_SIZE)))
            rows = prefix[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
            footer = f"Page {page}"
        else:
            async with self.services.db.read() as session:
                # No member has id 0: their standing is just how many are on the board.
                ranked = (await ledger.standing(session, ctx.community.id, board.bucket, 0)).ranked_members
                pages = max(1, -(-ranked // PAGE_SIZE))
                page = min(wanted, pages)  # the board may have shrunk since the button was drawn
                more = page < pages
                rows = await ledger.top(
                    session, ctx.community.id, board.bucket, PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
                )
            footer = f"Page {page} of {pages} · {number(ranked)} {'member' if ranked == 1 else 'members'} with points"
        if not rows:
            return Reply(card=Card(title=board.title, description=EMPTY_CLOSED if board.closed else board.empty))
        lines = await self._lines(ctx, rows, own)
        if page == 1 and not more:  # everyone is on it: nothing to page through, nobody to look for
            return Reply(card=Card(title=board.title, description="\n".join(lines), color=0x5865F2))
        buttons: list[Button] = []
        if page > 1:
            buttons.append(Button("Previous", board.view.action_id(page - 1)))
        if more:
            buttons.append(Button("Next", board.view.action_id(page + 1), ButtonStyle.PRIMARY))
        buttons.append(Button("Around me", board.view.action_id(around=True)))
        card = Card(title=board.title, description="\n".join(lines), footer=footer, color=0x5865F2)
        return Reply(card=card, buttons=tuple(buttons))

    async def _around(self, ctx: Context, board: _Board, own: RecognitionSettings) -> Reply:
        if await self.recognition.off_boards(ctx.author):
            return Reply.private(
                "You chose to be hidden from the leaderboards (`/privacy boards:show` puts you back on them), "
                "so you have no place on them."
            )
        if board.running is not None:  # the pass over the totals, whole: where the asker is, and how many
            whole = await self._running(ctx, board.running, 1_000_000)
            at = next((i for i, row in enumerate(whole) if row.member_id == ctx.author.id), None)
            if at is None:
                return Reply.private(NO_PLACE)
            shown = whole[max(0, at - AROUND) : at + AROUND + 1]
            rank, ranked = whole[at].rank, len(whole)
        else:
            async with self.services.db.read() as session:
                mine = await ledger.standing(session, ctx.community.id, board.bucket, ctx.author.id)
            if mine.rank is None:
                return Reply.private(NO_PLACE_CLOSED if board.closed else NO_PLACE)
            shown = await self._neighbourhood(ctx, board.bucket, mine.points, mine.rank)
            rank, ranked = mine.rank, mine.ranked_members
        lines = await self._lines(ctx, shown, own, you=ctx.author.id)
        footer = f"You are #{number(rank)} of {number(ranked)}"
        card = Card(title=f"{board.title} · around you", description="\n".join(lines), footer=footer, color=0x5865F2)
        return Reply(card=card, buttons=(Button("Top", board.view.action_id(1)),), ephemeral=True)

    async def _neighbourhood(self, ctx: Context, bucket: str, mine: int, rank: int) -> list[BoardRow]:
        """The asker's row with the AROUND rows above and below, ranked as `ledger.top` ranks (ties share one).

        Read from the asker's place on the board index (`storage.recognition.neighbours`), not by an OFFSET
        counted from the top. Ranks come from the asker's: the rank of the first group of equal points above
        them is theirs less that group's size, and so on up; the first group below them ranks after everyone
        tying with them, and so on down (one count of a tie each, an index range).
        """
        me = ctx.author
        async with self.services.db.read() as session:
            above, below = await recognition.neighbours(session, ctx.community.id, bucket, mine, me.id, AROUND)

            async def tie(amount: int) -> int:
                return await recognition.on_board_with(session, ctx.community.id, bucket, amount)

            ranked_above: list[BoardRow] = []
            cursor, previous = rank, mine
            for member_id, amount, external_id, name in above:  # nearest first
                if amount != previous:
                    cursor -= await tie(amount)
                    previous = amount
                ranked_above.append(BoardRow(cursor, member_id, external_id, name, amount))
            ranked_below: list[BoardRow] = []
            cursor, previous = rank, mine
            for member_id, amount, external_id, name in below:  # nearest first
                if amount != previous:
                    cursor += await tie(previous)  # the whole group before ranks ahead of this one
                    previous = amount
                ranked_below.append(BoardRow(cursor, member_id, external_id, name, amount))
        own = BoardRow(rank, me.id, me.ref.external_id, me.name, mine)
        return [*reversed(ranked_above), own, *ranked_below]

    async def _lines(
        self, ctx: Context, rows: list[BoardRow], own: RecognitionSettings, you: int | None = None
    ) -> list[str]:
        titles = shown_titles(own, self._platform_has_roles())
        levels: dict[int, str] = {}
        if titles:
            async with self.services.db.read() as session:
                all_time = await recognition.points_in(
                    session, ctx.community.id, ledger.ALL_TIME, [row.member_id for row in rows]
                )
            for row in rows:
                level = level_of(all_time.get(row.member_id, 0), own.level_curve, own.level_step).level
                levels[row.member_id] = title_of(level, titles)
        return [
            # Medals are for points earned: a total at or below 0 (an adjustment took more) shows its place only.
            f"{medal(row.rank) if row.points > 0 else f'{number(row.rank)}.'} "
            f"**{literal(row.display_name or row.external_id)}** — {points(row.points)}"
            + (f" · {literal(levels[row.member_id])}" if levels.get(row.member_id) else "")
            + (" ← you" if row.member_id == you else "")
            for row in rows
        ]

    # -- a member's standing --------------------------------------------------------------------------
    async def standing(self, ctx: Context, subject: Member, *, image: bool) -> Reply:
        """`/rank`: level (and title where levels are titles), points, rank, this week, kudos, points by
        category (with `other`, so the parts add up to the points), the ritual streak; the rank card image
        when `image` and the community has cards on."""
        if subject.is_bot:  # a standing of 0 points would suggest bots take part: they are never given any
            return Reply.private(f"{literal(subject.name)} is a bot: bots don't collect points, so they have no rank.")
        hidden = await self.recognition.off_boards(subject)
        if hidden and subject.id != ctx.author.id:
            return Reply.private(f"{literal(subject.name)} is not on the leaderboards.")
        own = ctx.settings.of(RecognitionSettings)
        all_time, week = await self.recognition.standings(subject, ctx.settings, ctx.now)
        if hidden:  # their own /rank: points yes, but no place on a board they are not on
            all_time, week = replace(all_time, rank=None), replace(week, rank=None)
        parts = by_category(await self.recognition.by_category(subject), all_time.points)
        level = level_of(all_time.points, own.level_curve, own.level_step)
        title = title_of(level.level, shown_titles(own, self._platform_has_roles()))
        streak = await self.services.streaks.current(subject.community_id, subject.id)
        # The text names every figure the image shows: it is the fallback where images are off or not shown.
        fields = [
            CardField(
                "Level",
                number(level.level)
                + (f" · {literal(title)}" if title else "")
                + f" ({number(level.into)}/{number(level.needed)} to {number(level.level + 1)})",
            ),
            CardField("Points", number(all_time.points)),
            CardField("Rank", rank_text(all_time)),
            CardField("This week", f"{points(week.points)} ({rank_text(week)})"),
            CardField("Kudos received", number(all_time.kudos_received)),
            CardField("Kudos given", number(all_time.kudos_given)),
            CardField(
                "By category", ", ".join(f"{label} {number(amount)}" for label, amount in parts) or "none yet", False
            ),
        ]
        if streak is not None:
            fields.append(CardField("Ritual streak", streak_text(streak.runs, streak.ritual)))
        files: tuple[Attachment, ...] = ()
        if image and own.rank_card:
            data = RankCardData(
                subject.name,
                level.level,
                level.into,
                level.needed,
                all_time.rank,
                all_time.ranked_members,
                all_time.points,
                parts,
                streak.runs if streak is not None else None,
                title,
            )
            files = (
                Attachment(
                    "rank.png",
                    await self.cards.render(data),
                    f"{subject.name}'s rank card: level {number(level.level)}",
                ),
            )
        heading = "Your standing" if subject.id == ctx.author.id else f"{subject.name}'s standing"
        return Reply(card=Card(title=heading, fields=tuple(fields), color=0x5865F2), files=files)

    async def home(self, ctx: Context) -> Reply | None:
        """The member's standing on their personal page (Slack App Home), as `/rank` says it, without the image;
        nothing before they have any points."""
        all_time = await self.recognition.all_time_points(ctx.author)
        if all_time == 0:
            return None
        return await self.standing(ctx, ctx.author, image=False)


def by_category(categories: dict[str, int], total: int) -> tuple[tuple[str, int], ...]:
    """(label, points) of every category with points, then `other` for what counts in none (onboarding steps,
    adjustments): the parts add up to `total`."""
    parts = [(CATEGORY_TITLES[name], amount) for name, amount in categories.items() if amount]
    other = total - sum(amount for _, amount in parts)
    return (*parts, ("other", other)) if other else tuple(parts)


def rank_text(standing: Standing) -> str:
    if standing.rank is None:
        return "unranked"
    return f"#{number(standing.rank)} of {number(standing.ranked_members)}"


def streak_text(runs: int, ritual: str) -> str:
    """`4 (standup)`: runs in a row of the ritual; `0` when none is running."""
    return f"{number(runs)} ({literal(ritual)})" if runs else "0"


def _ranked(rows: list[tuple[int, int, str, str]]) -> list[BoardRow]:
    """(member id, points, external id, name) in board order, with ranks (ties share one)."""
    board: list[BoardRow] = []
    for position, (member_id, amount, external_id, display_name) in enumerate(rows, start=1):
        rank = board[-1].rank if board and board[-1].points == amount else position
        board.append(BoardRow(rank, member_id, external_id, display_name, amount))
    return board
