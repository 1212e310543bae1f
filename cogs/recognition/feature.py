"""Commands and event handlers for recognition; turns service results into Replies."""

from __future__ import annotations

from bot.core.commands import Option, OptionType, command
from bot.core.context import Context
from bot.core.events import MessagePosted
from bot.core.refs import Member
from bot.core.registry import Registry
from bot.core.reply import Card, CardField, Reply, literal, mention
from bot.core.services import Services
from bot.core.wording import medal, points
from cogs.recognition.service import PERIODS, REASON_LIMIT, RecognitionService
from storage.ledger import Standing

_PERIOD_TITLES = {"week": "this week", "month": "this month", "all": "all time"}


class RecognitionFeature:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.recognition = RecognitionService(services)

    def register(self, registry: Registry) -> None:
        registry.commands_of(self)
        registry.on(MessagePosted, self.on_message)
        # Other cogs (a ritual's spotlight) read leaders through this port, not the ledger's tables.
        self.services.standings = self.recognition

    @command(
        "kudos",
        "Thank a member, with a reason",
        Option("member", OptionType.MEMBER, "Who you are thanking"),
        Option("reason", OptionType.TEXT, "What for", required=False, max_length=REASON_LIMIT),
    )
    async def kudos(self, ctx: Context, member: Member, reason: str | None) -> Reply:
        channel = ctx.channel.external_id if ctx.channel else None
        outcome = await self.recognition.give_kudos(
            ctx.author, member, reason, ctx.settings, ctx.invocation_id, channel, ctx.now
        )
        if outcome.duplicate:
            return Reply.private("That kudos was already recorded — nothing more to do.")
        # Phrased so it reads right whoever gave it, the console's `@you` too ("you can give 4 more").
        left = "no more kudos" if outcome.remaining_today == 0 else f"{outcome.remaining_today} more kudos"
        fields = (CardField("For", reason, inline=False),) if reason else ()
        return Reply(
            text=f"{mention(member)}, you got kudos from {mention(ctx.author)}!",
            card=Card(
                title="🎉 Kudos",
                description=f"{mention(member)} received kudos from {mention(ctx.author)}",
                fields=fields,
                footer=f"+{points(outcome.points)} for {member.name} · {ctx.author.name} can give {left} today",
                color=0xF5A623,
            ),
        )

    @command(
        "leaderboard",
        "Top contributors this week, this month or of all time",
        Option("period", OptionType.CHOICE, "week, month or all", required=False, choices=PERIODS, default="week"),
        read_only=True,
    )
    async def leaderboard(self, ctx: Context, period: str) -> Reply:
        rows = await self.recognition.leaderboard(ctx.community.id, period, ctx.settings, ctx.now)
        title = f"🏆 Leaderboard — {_PERIOD_TITLES[period]}"
        if not rows:
            return Reply(card=Card(title=title, description="No points yet. Say hello, or thank someone with /kudos!"))
        lines = [
            f"{medal(row.rank)} **{literal(row.display_name or row.external_id)}** — {points(row.points)}"
            for row in rows
        ]
        return Reply(card=Card(title=title, description="\n".join(lines), color=0x5865F2))

    @command(
        "rank",
        "Points, rank and kudos of a member (you by default)",
        Option("member", OptionType.MEMBER, "Whose rank", required=False),
        read_only=True,
    )
    async def rank(self, ctx: Context, member: Member | None) -> Reply:
        subject = member or ctx.author
        all_time, week = await self.recognition.standings(subject, ctx.settings, ctx.now)
        return Reply(
            card=Card(
                title="Your standing" if subject.id == ctx.author.id else f"{subject.name}'s standing",
                fields=(
                    CardField("Points", str(all_time.points)),
                    CardField("Rank", _rank_text(all_time)),
                    CardField("This week", f"{points(week.points)} ({_rank_text(week)})"),
                    CardField("Kudos received", str(all_time.kudos_received)),
                    CardField("Kudos given", str(all_time.kudos_given)),
                ),
                color=0x5865F2,
            )
        )

    async def on_message(self, event: MessagePosted) -> None:
        member = await self.services.identity.member(event.author)
        settings = await self.services.settings.get(member.community_id)
        award = self.recognition.activity_award(
            member, event.message_id, event.channel.external_id, settings, self.services.clock.now()
        )
        if award is not None:
            self.services.activity.submit(award)


def _rank_text(standing: Standing) -> str:
    if standing.rank is None:
        return "unranked"
    return f"#{standing.rank} of {standing.ranked_members}"
