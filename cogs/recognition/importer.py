"""`hearth points import FILE.csv`: points from another bot, as audited adjustment rows (README, "Moving from
another bot").

The file is CSV (`,`, `;` or tab) with a header row naming its columns, case aside (a space or `-` reads as `_`:
`User ID` is `user_id`):

- the member: `member`, `member_id`, `user_id`, `user`, `id` or `external_id` — the platform's id (Discord user
  id, Slack user id, a console name; `<@123>` and `@name` are read as the id inside);
- their points: `points`, `xp`, `exp` or `experience` — a whole number, 0 to 1,000,000,000;
- optionally their level: `level` or `lvl` — 0 to MAX_LEVEL. Where the community's curve needs more points for
  that level than the line gives, the member gets the points that reach it (their level carries over); where it
  needs fewer, the points stand.

Other columns (a MEE6 export's `username`, `message_count`, ...) are ignored.

Each line is one `adjustment` row, without an actor (the audit says "by import"), its reason naming the file
and the line, dated IMPORTED_AT: the points count in all-time points, levels and ranks, not on this week's,
month's, quarter's or year's boards. Its idempotency key is the file's name and the member, so running the
same file again adds nothing, whatever line each member moved to. A member imported from the file before with
other points is not imported again and is reported: a member is never imported twice from one file.

Bad lines (an unreadable id or number, a member twice, a quote left open over several lines) are reported by
number and change nothing; the good lines import. Members Hearth has not seen yet are created with the
platform's id; their name comes when Hearth first sees them. A line naming a member whose data was deleted
(`/mydata delete`, or anonymised after they left) is counted and not imported: it would create them again.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import PurePath

from bot.core.awards import award
from bot.core.refs import ANY_MEMBER_ID, Community, MemberIdFormat, MemberRef
from bot.core.services import Services
from cogs.recognition.levels import MAX_LEVEL, Curve, points_for_level
from cogs.recognition.settings import RecognitionSettings
from storage import ledger, lifecycle, recognition
from storage.kinds import Kind
from storage.ledger import Award

MEMBER_COLUMNS = ("member", "member_id", "user_id", "user", "id", "external_id")
POINTS_COLUMNS = ("points", "xp", "exp", "experience")
LEVEL_COLUMNS = ("level", "lvl")
MAX_POINTS = 1_000_000_000
# Before any community's history in Hearth: imported points were earned elsewhere at times nobody knows, so
# they count all-time and on no week, month, quarter or year board Hearth shows.
IMPORTED_AT = datetime(2000, 1, 1, tzinfo=UTC)
_CHUNK = 1000  # lines per transaction (and per key look-up)
_MENTION = re.compile(r"<@!?([^<>|]+)(\|[^<>]*)?>")


class ImportRefused(Exception):
    """The whole file cannot be read (no header, no member column, not UTF-8): nothing is imported."""


@dataclass(frozen=True)
class Line:
    number: int  # the file's line number (1 is the header)
    member: str  # the platform's id
    points: int  # what the line gives: its points, raised to its level's where those are more
    level: int | None
    raised: bool  # the level needed more points than the line gave


@dataclass
class ImportResult:
    """What an import did (or, with dry_run, would do). `problems` are per line, `file:line: what`."""

    file_name: str
    imported: int = 0  # lines written now
    points: int = 0  # points they gave
    raised: int = 0  # of them, lines whose level needed more points than they gave
    new_members: int = 0
    already: int = 0  # lines the same as when this file was imported before
    zero: int = 0  # lines giving 0 points (and no level): nothing to add
    erased: int = 0  # lines naming a member whose data was deleted (or anonymised): not imported
    problems: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.problems)


def read_lines(
    text: str, file_name: str, ids: MemberIdFormat, curve: Curve, step: int
) -> tuple[list[Line], list[tuple[int, str]]]:
    """The file's good lines and (line number, message) per bad one. Raises ImportRefused when the header is
    unusable."""
    rows = _rows(text)
    header = next(rows, None)
    if header is None:
        raise ImportRefused(f"{file_name} is empty: its first line must name the columns (member,points,level).")
    # `User ID` and `user-id` are `user_id`, as a spreadsheet or another bot may write it.
    names = [re.sub(r"[\s\-]+", "_", name.strip().lower().lstrip("\ufeff").strip()) for name in header[1]]
    member_at = _column(names, MEMBER_COLUMNS, file_name, "member")
    points_at = _column(names, POINTS_COLUMNS, file_name, "points")
    level_at = _column(names, LEVEL_COLUMNS, file_name, "level")
    if member_at is None or (points_at is None and level_at is None):
        raise ImportRefused(
            f"{file_name}: the first line must name the columns: member,points,level (level optional; "
            f"user_id and xp are read too), not “{_shown(_written(text, header[0], header[2]))}”."
        )
    good: list[Line] = []
    problems: list[tuple[int, str]] = []
    first_line_of: dict[str, int] = {}
    for number, cells, last, unclosed in rows:
        if not any(cell.strip() for cell in cells):
            continue  # blank lines are no lines
        if unclosed and last == number:
            # The same on the file's last line: the quote runs to the end of the file, and its cell holds the
            # rest of the line (`"carl,30` read as the member “carl,30”, or `carl,"30` imported as 30).
            problems.append(
                (
                    number,
                    f'{file_name}:{number}: a quote (") opens a cell here that is never closed; close or remove '
                    "that quote; not imported",
                )
            )
            continue
        if last > number:
            # A `"` opening a cell that is closed only lines later (a hand-edited name): the csv module reads
            # those lines as one cell, and the cells after it as this member's. No id, name or number holds a
            # line break, so this is never a line to import, nor are the members swallowed.
            problems.append(
                (
                    number,
                    f'{file_name}:{number}: a quote (") opens a cell here that runs on to line {last}, so lines '
                    f"{number}–{last} read as one; close or remove that quote; not imported",
                )
            )
            continue

        def cell(at: int | None, cells: list[str] = cells) -> str:
            return cells[at].strip() if at is not None and at < len(cells) else ""

        try:
            member = _member_id(cell(member_at), ids)
            amount = _whole(cell(points_at), "points", MAX_POINTS) if cell(points_at) else None
            level = _whole(cell(level_at), "level", MAX_LEVEL) if cell(level_at) else None
            if amount is None and level is None:
                raise ValueError("the line gives neither points nor a level")
            if member in first_line_of:
                raise ValueError(f"{member} is on line {first_line_of[member]} already")
            needed = points_for_level(level, curve, step) if level is not None else 0
            if needed > MAX_POINTS:
                raise ValueError(f"level {level} takes {needed:,} points on this community's curve, too many")
        except ValueError as error:
            problems.append((number, f"{file_name}:{number}: {error}; not imported"))
            continue
        first_line_of[member] = number
        given = amount or 0
        good.append(Line(number, member, max(given, needed), level, needed > given))
    return good, problems


def _rows(text: str) -> Iterator[tuple[int, list[str], int, bool]]:
    """(first line number, cells, last line number, whether a quote is left open) of each CSV record (a quoted
    cell may hold line breaks); the delimiter (`,`, `;`, tab) read from the header. Only the last record can
    leave a quote open: the csv module then reads to the end of the file."""
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count) if any(d in first for d in ",;\t") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    ended = 0  # the line the previous record ended on
    previous: tuple[int, list[str], int] | None = None
    try:
        for cells in reader:
            if previous is not None:
                yield (*previous, False)
            start, ended = ended + 1, reader.line_num
            previous = (start, cells, ended)
    except csv.Error as error:
        raise ImportRefused(f"line {reader.line_num} cannot be read as CSV ({error}); nothing was imported.") from None
    if previous is not None:
        yield (*previous, _left_open("\n".join(text.split("\n")[previous[0] - 1 :]), delimiter))


def _written(text: str, first: int, last: int) -> str:
    """Lines `first` to `last` of the file as it writes them (its delimiter, its quotes), to quote in an error: the
    cells joined again would show a line the file does not have (`name;score` as “name,score”)."""
    return "\n".join(text.lstrip("\ufeff").split("\n")[first - 1 : last]).rstrip("\r")


def _left_open(record: str, delimiter: str) -> bool:
    """Whether the file's last record ends inside a quoted cell (strict reading finds the end of the data
    there, where the lenient reading took the rest of the file as the cell)."""
    try:
        for _ in csv.reader(io.StringIO(record), delimiter=delimiter, strict=True):
            pass
    except csv.Error as error:
        return "end of data" in str(error)
    return False


def _column(names: list[str], accepted: tuple[str, ...], file_name: str, what: str) -> int | None:
    """The index of the one column named one of `accepted`, or None. Raises ImportRefused when several are (a
    file with `points` and `xp`, or `points` twice): which one holds the points is not for Hearth to guess."""
    found = [at for at, name in enumerate(names) if name in accepted]
    if len(found) > 1:
        raise ImportRefused(
            f"{file_name}: the first line names {len(found)} {what} columns ({', '.join(names[at] for at in found)}): "
            "keep one; nothing was imported."
        )
    return found[0] if found else None


def _shown(text: str) -> str:
    """A piece of the file as an error quotes it: a control character (a terminal escape such as `ESC ]0;...`,
    which retitles the window) is shown as `�`, never written to the terminal."""
    return "".join(ch if ch.isprintable() else "\N{REPLACEMENT CHARACTER}" for ch in text)


def _member_id(text: str, ids: MemberIdFormat) -> str:
    found = _MENTION.fullmatch(text)
    member = (found.group(1) if found else text.removeprefix("@")).strip()
    if not member:
        raise ValueError("no member id")
    if len(member) > 64 or not member.isprintable() or any(ch.isspace() for ch in member):
        raise ValueError(f"“{_shown(member[:40])}” is not a member id (one word of up to 64 characters)")
    return ids.read(member)


def _whole(text: str, what: str, highest: int) -> int:
    cleaned = text.replace("_", "").replace(" ", "")
    if cleaned.endswith(".0"):  # spreadsheets write whole numbers so
        cleaned = cleaned[:-2]
    if not cleaned.isdecimal() or not cleaned.isascii():
        raise ValueError(f"{what} must be a whole number from 0 to {highest:,}, not “{_shown(text[:40])}”")
    value = int(cleaned)
    if value > highest:
        raise ValueError(f"{what} must be a whole number from 0 to {highest:,}, not {value:,}")
    return value


def file_prefix(file_name: str) -> str:
    """The start of every idempotency key of a file's lines: its name (not its folder, nor its content, so a
    file with a line fixed is still the same import)."""
    digest = hashlib.sha256(PurePath(file_name).name.encode()).hexdigest()[:16]
    return f"import:{digest}:"


def line_key(file_name: str, member: str) -> str:
    """A line's idempotency key: the file's name and the member's id (as the platform gives it, console names
    lowercased), so a member is imported once per file whatever line they move to. Files imported before
    Hearth keyed lines by number (`import:DIGEST:12`) are recognised by `file_prefix` all the same."""
    return f"{file_prefix(file_name)}@{member}"


async def import_points(
    services: Services,
    community: Community,
    text: str,
    file_name: str,
    *,
    ids: MemberIdFormat = ANY_MEMBER_ID,
    dry_run: bool = False,
) -> ImportResult:
    """Import a file's lines into `community` (module docstring); with `dry_run`, only say what would happen.
    `ids`: what the community's platform's member ids look like (its `Platform.member_ids`). Raises
    ImportRefused when the file as a whole cannot be read."""
    name = PurePath(file_name).name
    settings = await services.settings.get(community.id)
    own = settings.of(RecognitionSettings)
    lines, problems = read_lines(text, name, ids, own.level_curve, own.level_step)
    result = ImportResult(name, zero=sum(1 for line in lines if line.points == 0))
    lines = [line for line in lines if line.points]
    async with services.db.read() as session:
        # A member whose data was deleted stays deleted: importing them would create them again.
        erased = await lifecycle.erased(session, community.id, {line.member for line in lines})
    result.erased = sum(1 for line in lines if line.member in erased)
    lines = [line for line in lines if line.member not in erased]
    pending_before = services.identity.pending
    members = {line.number: await services.identity.member(MemberRef(community.ref, line.member)) for line in lines}
    result.new_members = services.identity.pending - pending_before
    async with services.db.read() as session:
        # Every row this file gave before, whatever its lines' order then: a member is imported once per file.
        before_by_member = await recognition.points_by_key_prefix(session, community.id, file_prefix(name))
    for start in range(0, len(lines), _CHUNK):
        chunk = lines[start : start + _CHUNK]
        # A dry run reads only: the members it would create stay in memory, and the process ends.
        async with services.db.read() if dry_run else services.db.write() as session:
            awards: list[Award] = []
            for line in chunk:
                member = members[line.number]
                before = before_by_member.get(member.id)
                if before is not None:
                    if line.points in before:
                        result.already += 1
                    else:
                        then = f"{line.member} was given {before[-1]:,} points then, {line.points:,} now"
                        problems.append(
                            (
                                line.number,
                                f"{name}:{line.number}: changed since {name} was imported ({then}); a member is "
                                "never imported twice from one file: correct a member with /points adjust",
                            )
                        )
                    continue
                reason = f"{name[:200]} line {line.number}" + (f" (level {line.level})" if line.raised else "")
                awards.append(
                    award(
                        settings,
                        community.id,
                        member.id,
                        Kind.ADJUSTMENT,
                        line.points,
                        line_key(name, line.member),
                        IMPORTED_AT,
                        reason=reason,
                    )
                )
            if not dry_run:
                awards = await ledger.record(session, awards)
            raised = {line_key(name, line.member) for line in chunk if line.raised}
            result.raised += sum(1 for each in awards if each.idempotency_key in raised)
            result.imported += len(awards)
            result.points += sum(each.points for each in awards)
    result.problems = [text for _, text in sorted(problems)]
    return result


def summary(result: ImportResult, *, dry_run: bool = False) -> str:
    """What `hearth points import` prints when done: one line per count that is not zero."""
    verb = "would import" if dry_run else "imported"
    lines = [
        f"{result.file_name}: {verb} {_count(result.imported, 'line')}, {_count(result.points, 'point')}"
        + (f" ({result.raised:,} raised to the points of their level)" if result.raised else "")
        + (f"; {_count(result.new_members, 'member')} Hearth has not seen yet" if result.new_members else "")
    ]
    if result.already:
        lines.append(f"{_count(result.already, 'line')} imported before, unchanged: nothing added for them")
    if result.zero:
        lines.append(f"{_count(result.zero, 'line')} with 0 points: nothing to add")
    if result.erased:
        lines.append(
            f"{_count(result.erased, 'line')} naming {'a member' if result.erased == 1 else 'members'} whose data "
            "was deleted (at their request, or after they left): not imported"
        )
    if result.problems:
        lines.append(f"{_count(len(result.problems), 'line')} not imported (each named above)")
    if not dry_run and result.imported:
        lines.append("They are in /recognition audit; /levels sync gives level roles to the members imported.")
    return "\n".join(lines)


def _count(count: int, noun: str) -> str:
    """`1 line`, `20,000 lines`: a terminal's figures with thousands separators."""
    return f"{count:,} {noun if count == 1 else noun + 's'}"
