"""Members' data rights and the end of things, over every cog's member-data hooks (bot/core/member_data.py).

- Export: everything each cog keeps about a member, with other members named by stable pseudonyms (an HMAC of
  their id under the community's own secret: the same person reads the same in every export, and nobody can
  work back from a pseudonym to an id); in reasons, mentions of other members name them by their pseudonyms.
- Delete: every cog deletes the member's rows (kudos they gave stay with their receivers, without the giver),
  other members' reasons naming them (`@zed`) name `@former member` instead, then the member row itself goes:
  nothing names them any more, and totals stay the sums of the ledger.
- Anonymise (retention after leaving): every cog but the ledger's deletes what it keeps; contributions stay
  with an anonymous member row (the community's history), which no longer says who it was, and reasons naming
  them name `@former member`.
- Remove a community: every row of it, after the grace period.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from bot.core.member_data import MemberData, anonymise_member, delete_member, export_member
from bot.core.refs import Member
from bot.core.services import Services
from storage import lifecycle

EXPORT_FORMAT = 1
# The free-text column of the ledger: other members' words, which may name anyone by mention.
REASON = "reason"
# Other free text of the member's own, which may name other members by mention as well: a ritual's prompt they
# wrote, their intro's answers.
WORDS = {("ritual", "prompt"), ("intro_answer", "value")}
# Columns holding a ledger key, whose `:`-separated parts may be the ids of the members its row names
# (`intro_welcome:<author>:<welcomer>`, `reaction:<channel>:<message>:<giver>`, `welcomer:<newcomer>`).
KEYS = ("idempotency_key", "ledger_key")


def pseudonym(key: str, member_id: int) -> str:
    return "member-" + hmac.new(key.encode(), str(member_id).encode(), hashlib.sha256).hexdigest()[:12]


def _words(table: str, column: str) -> bool:
    """Whether a column holds people's words, where mentions of other members are replaced by pseudonyms."""
    return column == REASON or (table, column) in WORDS


class DataRights:
    def __init__(self, services: Services, hooks: Callable[[], Mapping[str, MemberData | None]]) -> None:
        self.services = services
        self._hooks = hooks

    async def export(self, member: Member) -> bytes:
        """The member's data as JSON text: by cog, by table, their rows (others by pseudonym)."""
        hooks = self._hooks()
        await self.services.activity.flush()  # their latest messages may still wait in memory: everything is theirs
        found = await export_member(hooks, member.id)
        async with self.services.db.write() as session:  # the key is made on first use
            key = await lifecycle.pseudonym_key(session, member.community_id)
            own = await lifecycle.member_row(session, member.id)
        reasons = (
            value
            for tables in found.values()
            for table, rows in tables.items()
            for row in rows
            for column, value in row.items()
            if _words(table, column) and isinstance(value, str)
        )
        async with self.services.db.read() as session:
            said = await lifecycle.mentions_in(session, member.community_id, reasons, member.id)
        references: dict[str, set[str]] = {}
        for data in hooks.values():
            for reference in data.references if data else ():
                references.setdefault(reference.table.name, set()).add(reference.column)

        def named(found: int, written: str) -> str:
            return written if found == member.id else "@" + pseudonym(key, found)

        def hide(table: str, row: dict[str, Any]) -> dict[str, Any]:
            """Other members' ids by their pseudonyms, in the row's keys too (a key beside a pseudonym would
            give its id away); in reasons and their own words (a ritual's prompt, intro answers), which may name
            anyone, mentions of other members by theirs too."""
            others = {
                column: pseudonym(key, value)
                for column, value in row.items()
                if column in references.get(table, ()) and isinstance(value, int) and value != member.id
            }
            by_id = {str(row[column]): hidden for column, hidden in others.items()}
            return {
                column: others[column]
                if column in others
                else ":".join(by_id.get(part, part) for part in value.split(":"))
                if column in KEYS and isinstance(value, str)
                else said.replace(value, named)
                if _words(table, column) and isinstance(value, str) and said is not None
                else value
                for column, value in row.items()
            }

        document = {
            "format": EXPORT_FORMAT,
            "exported_at": self.services.clock.now().isoformat(),
            "community": member.ref.community.name or member.ref.community.external_id,
            "about": "Everything Hearth keeps about you. Hearth never stores what you write in messages; other "
            "members appear as pseudonyms (the same person has the same pseudonym throughout).",
            "member": _plain(own),
            "data": {
                cog.removeprefix("cogs."): {table: [hide(table, row) for row in rows] for table, rows in tables.items()}
                for cog, tables in found.items()
            },
        }
        return json.dumps(document, indent=2, sort_keys=False, default=str).encode()

    async def delete(self, member: Member) -> None:
        """Every cog's rows of the member, then the member row; the process forgets them too."""
        # What arrives for them from now on is never written, and what waits in memory goes before the deletion:
        # a batch written between its steps would bring the member back, or make the last step fail.
        self.services.activity.forget(member.id)
        await self.services.activity.flush()
        await delete_member(self._hooks(), member.id)
        async with self.services.db.write() as session:
            await lifecycle.forget_mentions(session, member.id)  # while the member row still has their names
            await lifecycle.remember_erased(session, member.id)  # an import naming them does not bring them back
            await lifecycle.delete_member_row(session, member.id)
            await self.services.identity.announce_forgotten(session, member_id=member.id)
        self.services.identity.forget(member.id)
        await self.services.db.truncate_log()  # their rows' earlier copies leave the write-ahead log too

    async def anonymise(self, member_id: int) -> None:
        await self.services.activity.flush()
        # Every cog's data but the community's history (the ledger, health's daily counts: `Reference.history`).
        await anonymise_member(self._hooks(), member_id)
        async with self.services.db.write() as session:
            await lifecycle.forget_mentions(session, member_id)  # while the member row still has their names
            await lifecycle.remember_erased(session, member_id, away=True)
            await lifecycle.anonymise_member_row(session, member_id)
            await self.services.identity.announce_forgotten(session, member_id=member_id)
        self.services.identity.forget(member_id)
        await self.services.db.truncate_log()

    async def remove_community(self, community_id: int) -> None:
        await self.services.activity.flush()
        async with self.services.db.write() as session:
            await lifecycle.delete_community(session, community_id)
            await self.services.identity.announce_forgotten(session, community_id=community_id)
        self.services.identity.forget_community(community_id)
        await self.services.db.truncate_log()

    async def history_csv(self, community_id: int, since: datetime | None) -> bytes:
        await self.services.activity.flush()  # the history includes the messages still waiting in memory
        async with self.services.db.read() as session:
            rows = await lifecycle.history(session, community_id, since)
        return history_csv(rows)


def history_csv(rows: list[lifecycle.HistoryRow]) -> bytes:
    """One line per contribution: when (UTC), who, what, points, where. Reasons are people's words: left out."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["created_at", "member_id", "member", "kind", "points", "channel"])
    for row in rows:
        member_id, name = _who(row)
        writer.writerow(
            [
                row.created_at.isoformat(),
                member_id or "",
                _csv_safe(name),
                row.kind,
                row.points,
                row.channel or "",
            ]
        )
    return out.getvalue().encode()


def history_json(rows: list[lifecycle.HistoryRow]) -> bytes:
    """The same as `history_csv`, as a JSON list of objects (no id is null, not empty), ending in a newline as
    the CSV does: printed to a terminal, the shell's prompt otherwise follows the closing `]` on its line."""
    text = json.dumps(
        [
            {
                "created_at": row.created_at.isoformat(),
                "member_id": (who := _who(row))[0],
                "member": who[1],
                "kind": row.kind,
                "points": row.points,
                "channel": row.channel,
            }
            for row in rows
        ],
        indent=2,
    )
    return (text + "\n").encode()


def _who(row: lifecycle.HistoryRow) -> tuple[str | None, str]:
    """A row's member as the export names them: (platform id, name), or (None, "(former member)") for an
    anonymised one, whose stored id is a random placeholder of no platform's and whose name is gone."""
    if (row.member_external_id or "").startswith("former-"):
        return None, "(former member)"
    return row.member_external_id, row.member_name


def _csv_safe(text: str) -> str:
    """A display name starting like a formula would run as one in a spreadsheet: quote it."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _plain(row: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value.isoformat() if isinstance(value, datetime) else value for key, value in row.items()}


def due(since: datetime, after: timedelta, now: datetime) -> bool:
    return since + after <= now
