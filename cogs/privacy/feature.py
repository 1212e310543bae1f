"""`/privacy`, `/mydata export|delete`, `/export` (admins), and the housekeeping that anonymises departed
members after their retention and deletes a community's data after Hearth was removed from it."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from apscheduler.triggers.interval import IntervalTrigger

from bot.core.commands import Group, Option, OptionType, command
from bot.core.context import Context
from bot.core.events import CommunityAdded, CommunityRemoved, id_number
from bot.core.refs import Permission
from bot.core.registry import Registry
from bot.core.reply import Attachment, Button, ButtonStyle, Reply, UserError
from bot.core.scheduling import Quiet
from bot.core.services import Services
from bot.core.wording import plural
from cogs.privacy.service import DataRights, due
from cogs.privacy.settings import PrivacySettings
from storage import command_claims, lifecycle

log = logging.getLogger(__name__)
MYDATA = Group("mydata", "Your data: everything Hearth keeps about you, as a file, or deleted")
HOUSEKEEPING_JOB = "privacy:housekeeping"
HOUSEKEEPING_EVERY = timedelta(hours=1)
EXPORT_PERIODS = ("week", "month", "all")
# A delete confirmation's answer is kept as a command claim, and claims are pruned after a day
# (bot/core/claims.py): a question must expire well before, or a kept one would come back to life.
QUESTION_LIFETIME = timedelta(minutes=15)
KEEP, DELETE = "keep", "delete"
EXPIRED = "This question has expired; nothing was deleted. Run `/mydata delete` again to delete your data."
ANSWERED = {
    KEEP: "You chose to keep your data; nothing was deleted. Run `/mydata delete` again to delete it.",
    DELETE: "Your data was already deleted.",
}


class PrivacyFeature:
    def __init__(self, services: Services, registry: Registry) -> None:
        self.services = services
        self.rights = DataRights(services, registry.member_data_hooks)

    def register(self, registry: Registry) -> None:
        registry.commands_of(self)
        registry.component("mydata", self.on_click)
        registry.on(CommunityRemoved, self.on_removed)
        registry.on(CommunityAdded, self.on_added)
        registry.on_start(self.start)
        registry.on_stop(self.stop)

    # -- /privacy ---------------------------------------------------------------------------------
    @command(
        "privacy",
        "Hide yourself from public boards and matching, or opt out of community-health figures",
        Option(
            "boards",
            OptionType.CHOICE,
            "show or hide you on leaderboards, spotlights, matching",
            required=False,
            choices=("show", "hide"),
            noun="choice for boards",
        ),
        Option(
            "health",
            OptionType.CHOICE,
            "in or out of community-health figures",
            required=False,
            choices=("in", "out"),
            noun="choice for health",
        ),
    )
    async def privacy(self, ctx: Context, boards: str | None, health: str | None) -> Reply:
        choices: dict[str, bool] = {}
        if boards is not None:
            choices["hidden_from_boards"] = boards == "hide"
        if health is not None:
            choices["health_opt_out"] = health == "out"
        async with self.services.db.write() as session:
            if choices:
                await lifecycle.set_privacy(session, ctx.author.id, **choices)
            now = await lifecycle.privacy(session, ctx.author.id)
        lines = [
            "🙈 You are **hidden** from leaderboards, ranks of others, spotlights, anniversaries and /match; "
            "your level-ups come to you by DM, never to a channel."
            if now.hidden_from_boards
            else "👀 You are **shown** on leaderboards, spotlights, anniversaries and /match.",
            "📉 You are **out of** community-health figures (counted only in anonymous totals)."
            if now.health_opt_out
            else "📈 You are **in** community-health figures.",
        ]
        lead = "Saved. " if choices else ""
        # The choices that would change something: a hidden member is offered `boards:show`, not what they chose.
        boards_hint = "boards:show" if now.hidden_from_boards else "boards:hide"
        health_hint = "health:in" if now.health_opt_out else "health:out"
        hint = "" if choices else f"\nChange with `/privacy {boards_hint}` or `/privacy {health_hint}`."
        return Reply.private(lead + "\n".join(lines) + hint)

    # -- /mydata ----------------------------------------------------------------------------------
    @MYDATA.command("export", "Get everything Hearth keeps about you as a JSON file, privately")
    async def export(self, ctx: Context) -> Reply:
        data = await self.rights.export(ctx.author)
        return Reply(
            text="📦 Here is everything Hearth keeps about you (no message text: Hearth never stores it).",
            files=(Attachment("hearth-my-data.json", data, "Your data in Hearth, as JSON"),),
            dm=True,
        )

    @MYDATA.command("delete", "Delete everything Hearth keeps about you (asks you first)")
    async def delete(self, ctx: Context) -> Reply:
        # Both buttons name one question (a random id and when it was asked): its first answer spends it.
        question = f"{ctx.author.id}:{secrets.token_hex(6)}:{int(ctx.now.timestamp())}"
        return Reply.private(
            "⚠️ This deletes everything Hearth keeps about you in this community: your points, kudos you "
            "received, your introduction, onboarding, rituals and birthday. Kudos you gave stay with the people "
            "you thanked, without your name, and where their reasons name you they read @former member. It "
            "cannot be undone. Get a copy first with `/mydata export`.",
            buttons=(
                Button("Delete my data", f"mydata:{DELETE}:{question}", ButtonStyle.DANGER),
                Button("Keep it", f"mydata:{KEEP}:{question}"),
            ),
        )

    async def on_click(self, ctx: Context, action: str, values: tuple[str, ...]) -> Reply:
        """`action` is `delete:<owner id>:<token>:<asked at, epoch seconds>` or the same with `keep`. The first
        answer of the owner is recorded and acted on; any later click on either button changes nothing and
        is told what was chosen. Raises UserError for an id that is none of these (a button from before
        questions expired)."""
        verb, _, question = action.partition(":")
        owner, _, rest = question.partition(":")
        _token, _, asked = rest.partition(":")
        asked_at = id_number(asked)
        if verb not in (KEEP, DELETE) or id_number(owner) is None or asked_at is None:
            raise UserError(EXPIRED)
        if ctx.now.timestamp() - asked_at > QUESTION_LIFETIME.total_seconds():
            return Reply.private(EXPIRED)
        key = f"mydata:{question}"
        community = ctx.community.id
        # Once the data is deleted the member who asked is someone new to Hearth (another id): what they chose
        # is looked up before whose question it is.
        if owner != str(ctx.author.id):
            async with self.services.db.read() as session:
                earlier = await command_claims.answered(session, community, key)
            if earlier in ANSWERED:
                return Reply.private(ANSWERED[earlier])
            return Reply.private("This button is for the member who asked to delete their data.")
        async with self.services.db.write(routine=True) as session:  # bookkeeping, like every claim
            earlier = await command_claims.answer(session, community, key, verb, ctx.now)
        if earlier is not None:
            return Reply.private(ANSWERED.get(earlier, EXPIRED))
        if verb == KEEP:
            return Reply.private("Nothing was deleted. 👍")
        try:
            await self.rights.delete(ctx.author)
        except BaseException:
            # Not deleted after all: the question stays open rather than claiming a deletion that did not happen.
            async with self.services.db.write(routine=True) as session:
                await command_claims.unanswer(session, community, key)
            raise
        return Reply.private("🗑️ Done: Hearth no longer keeps anything about you in this community.")

    # -- /export ----------------------------------------------------------------------------------
    @command(
        "export",
        "The community's contribution history as a CSV file (admins)",
        Option(
            "period", OptionType.CHOICE, "week, month or all", required=False, choices=EXPORT_PERIODS, default="all"
        ),
        permission=Permission.ADMIN,
    )
    async def export_history(self, ctx: Context, period: str) -> Reply:
        since = period_start(period, ctx)
        data = await self.rights.history_csv(ctx.community.id, since)
        rows = data.count(b"\n") - 1  # after the header
        when = "all time" if period == "all" else "this " + period
        return Reply(
            text=f"📊 Contribution history ({when}): {plural(rows, 'row')}.",
            files=(Attachment(f"hearth-contributions-{period}.csv", data, "Contribution history, CSV"),),
            dm=True,
        )

    # -- a community's removal --------------------------------------------------------------------
    async def on_removed(self, event: CommunityRemoved) -> None:
        community = await self.services.identity.community(event.community)
        async with self.services.db.write() as session:
            await lifecycle.mark_removed(session, community.id, self.services.clock.now())

    async def on_added(self, event: CommunityAdded) -> None:
        community = await self.services.identity.community(event.community)
        async with self.services.db.read() as session:
            removed = dict(await lifecycle.removed_communities(session))
        if community.id in removed:  # a write only when there is a deletion to cancel (starts see every guild)
            async with self.services.db.write() as session:
                await lifecycle.mark_removed(session, community.id, None)

    # -- housekeeping -----------------------------------------------------------------------------
    async def start(self) -> None:
        every = IntervalTrigger(seconds=int(HOUSEKEEPING_EVERY.total_seconds()), start_date=self.services.clock.now())
        self.services.scheduler.add(HOUSEKEEPING_JOB, every, self.housekeeping)

    async def stop(self) -> None:
        self.services.scheduler.remove(HOUSEKEEPING_JOB)

    async def housekeeping(self, scheduled: datetime) -> Quiet | None:
        """Anonymise members gone longer than their community's retention; delete communities Hearth was
        removed from longer than their grace period. Until the next such moment, nothing to do."""
        db = self.services.db
        seen = db.writes
        now = self.services.clock.now()
        upcoming: list[datetime] = []
        async with db.read() as session:
            departed = await lifecycle.departed(session)
            removed = await lifecycle.removed_communities(session)
        gone = {community_id for community_id, _ in removed}
        for community_id, since in removed:
            grace = (await self.services.settings.get(community_id)).of(PrivacySettings).removal_grace
            if due(since, grace, now):
                await self.rights.remove_community(community_id)
                log.info("deleted community %s's data: Hearth was removed from it on %s", community_id, since.date())
            else:
                upcoming.append(since + grace)
        for member_id, community_id, left in departed:
            if community_id in gone:
                continue
            retention = (await self.services.settings.get(community_id)).of(PrivacySettings).retention()
            if retention is None:
                continue
            if due(left, retention, now):
                await self.rights.anonymise(member_id)
                log.info("anonymised member %s of community %s: left on %s", member_id, community_id, left.date())
            else:
                upcoming.append(left + retention)
        return Quiet(min(upcoming, default=None), lambda: db.writes == seen)


def period_start(period: str, ctx: Context) -> datetime | None:
    """The start of this week (Monday) or month in the community's time zone; None for all time."""
    if period == "all":
        return None
    today = ctx.settings.day_start(ctx.now)
    if period == "week":
        return today - timedelta(days=today.weekday())
    return today.replace(day=1)
