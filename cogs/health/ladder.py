"""The participation ladder: explorer → participant → contributor → leader, computed for each calendar month
from history; candidates for community roles by explicit rules (Discourse's trust-level habit), invitations
with accept/decline buttons, and volunteering.

Levels of a month (days = distinct active days; thanks = distinct members who gave kudos; rituals = ritual
participations; welcomes = newcomers welcomed in intro threads or as their welcomer):
  leader       days ≥ 12, thanks ≥ 3, and rituals + welcomes ≥ 2
  contributor  days ≥ 6 and thanks + rituals + welcomes ≥ 1
  participant  days ≥ 2
  explorer     everyone else present that month
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core.commands import Group, Option, OptionType
from bot.core.context import Context
from bot.core.events import id_number
from bot.core.messenger import PlatformError, check_can_grant
from bot.core.refs import ChannelRef, Member, Permission, RoleRef
from bot.core.registry import Registry
from bot.core.reply import Button, ButtonStyle, Card, Reply, UserError, literal, mention
from bot.core.services import Services
from bot.core.wording import number, plural
from cogs.health.settings import HealthSettings
from storage import health_queries as q
from storage.health import local_day, utc
from storage.kinds import Kind

LADDER = Group("ladder", "The participation ladder: levels, candidates for community roles, invitations")
LEVELS = ("explorer", "participant", "contributor", "leader")
CANDIDATE_WEEKS = 8
NAMES_SHOWN = 20  # members named in each line of `/ladder show`
CANDIDATE_TENURE = timedelta(days=28)  # a newcomer, however busy, is not a candidate yet
_WELCOMES = (Kind.INTRO_WELCOME, Kind.WELCOMER_COMPLETED)


@dataclass(frozen=True)
class Evidence:
    member_id: int
    days: int
    thanks: int
    rituals: int
    welcomes: int
    replies: int

    def text(self) -> str:
        return (
            f"active {plural(self.days, 'day')}, thanked by {plural(self.thanks, 'member')}, "
            f"{plural(self.replies, 'reply', 'replies')}, {plural(self.rituals, 'ritual')}, "
            f"{plural(self.welcomes, 'welcome')}"
        )


def level(e: Evidence) -> str:
    if e.days >= 12 and e.thanks >= 3 and e.rituals + e.welcomes >= 2:
        return "leader"
    if e.days >= 6 and e.thanks + e.rituals + e.welcomes >= 1:
        return "contributor"
    if e.days >= 2:
        return "participant"
    return "explorer"


def _start(day: date, zone: str) -> datetime:
    return datetime.combine(day, time(), ZoneInfo(zone)).astimezone(UTC)


class Ladder:
    def __init__(self, services: Services) -> None:
        self.services = services

    def register(self, registry: Registry) -> None:
        registry.commands_of(self)
        registry.component("ladder", self.click)

    async def evidence(self, community_id: int, first: date, last: date, zone: str) -> dict[int, Evidence]:
        """Per member, what they did between two days (inclusive) of the community's calendar."""
        since, until = utc(_start(first, zone)), utc(_start(last + timedelta(days=1), zone))
        async with self.services.db.read() as session:
            habits = await q.habits(session, community_id, first, last)
            thanks = await q.thanked_by(session, community_id, since, until)
            rituals = await q.count_of_kind(session, community_id, [Kind.RITUAL_PARTICIPATION], since, until)
            for member_id, met in (await q.pairing_meetings(session, community_id, since, until)).items():
                rituals[member_id] = rituals.get(member_id, 0) + met  # a pairing's "Yes, we met" is taking part
            welcomes = await q.count_of_kind(session, community_id, list(_WELCOMES), since, until)
        ids = set(habits) | set(thanks) | set(rituals) | set(welcomes)
        return {
            i: Evidence(
                i,
                habits[i].active_days if i in habits else 0,
                thanks.get(i, 0),
                rituals.get(i, 0),
                welcomes.get(i, 0),
                habits[i].replies if i in habits else 0,
            )
            for i in ids
        }

    async def _people(self, community_id: int, opted_out: bool = False) -> dict[int, q.MemberRow]:
        """Members present and, unless `opted_out`, not opted out of health figures (the ladder names people)."""
        async with self.services.db.read() as session:
            rows = await q.members(session, community_id)
        return {m.id: m for m in rows if m.left_at is None and (opted_out or not m.opted_out)}

    @LADDER.command(
        "show", "Levels of last month and who moved up, held or moved down", permission=Permission.MODERATOR
    )
    async def show(self, ctx: Context) -> Reply:
        await self.services.activity.flush()
        zone = ctx.settings.basics.timezone
        today = local_day(ctx.now, zone)
        last_end = today.replace(day=1) - timedelta(days=1)
        last_start = last_end.replace(day=1)
        before_end = last_start - timedelta(days=1)
        before_start = before_end.replace(day=1)
        people = await self._people(ctx.community.id)
        now_ev = await self.evidence(ctx.community.id, last_start, last_end, zone)
        then_ev = await self.evidence(ctx.community.id, before_start, before_end, zone)
        present = [i for i, m in people.items() if m.join_day(zone) <= last_end]
        # Who joined during the month had no level the month before: they are new, not moved up. As in /health's
        # "joined", only a join Hearth knows of: one first seen speaking may have been there long before.
        new = {i for i in present if people[i].join_known and people[i].join_day(zone) >= last_start}
        joined = [i for i in present if i in new]
        compared = [i for i in present if i not in new]
        levels = {i: level(now_ev[i]) if i in now_ev else "explorer" for i in present}
        earlier = {i: level(then_ev[i]) if i in then_ev else "explorer" for i in compared}
        counts = {name: sum(1 for v in levels.values() if v == name) for name in LEVELS}
        up = [i for i in compared if LEVELS.index(levels[i]) > LEVELS.index(earlier[i])]
        down = [i for i in compared if LEVELS.index(levels[i]) < LEVELS.index(earlier[i])]
        held = len(compared) - len(up) - len(down)
        refs = await self.services.identity.members_by_id(up + down + joined)
        lines = [
            " · ".join(f"{name} {counts[name]}" for name in LEVELS),
            f"Moved up: {_names(refs, up, levels) or 'nobody'}",
            f"Moved down: {_names(refs, down, levels) or 'nobody'}",
            f"Held: {plural(held, 'member')}",
            f"Joined in {last_start:%B}: {_names(refs, joined, levels) or 'nobody'}",
        ]
        # A card: its description holds 4,096 characters on Discord, where a message's text holds 2,000 (three
        # lists of 20 mentions and levels are some 2,400).
        title = f"Participation ladder — {last_start:%B %Y}"
        return Reply(card=Card(title=title, description="\n".join(lines)), ephemeral=True)

    async def candidates_for(self, community_id: int, role: str | None, now: datetime, zone: str) -> list[Evidence]:
        settings = (await self.services.settings.get(community_id)).of(HealthSettings)
        today = local_day(now, zone)
        found = await self.evidence(
            community_id, today - timedelta(weeks=CANDIDATE_WEEKS) + timedelta(days=1), today, zone
        )
        people = await self._people(community_id)
        picked = []
        for e in found.values():
            member = people.get(e.member_id)
            if member is None or member.joined_at > now - CANDIDATE_TENURE:
                continue
            if e.days < settings.ladder_days or e.thanks < settings.ladder_thanks:
                continue
            if role == "welcomer" and not e.welcomes:
                continue
            if role == "host" and not e.rituals:
                continue
            if role == "mentor" and e.replies < 10:
                continue
            if role == "leader" and level(e) != "leader":
                continue
            picked.append(e)
        picked.sort(key=lambda e: (-e.days, -e.thanks, e.member_id))
        return picked

    @LADDER.command(
        "candidates",
        "Members the rules suggest for a role, with the evidence",
        Option("role", OptionType.TEXT, "mentor, welcomer, host, leader or one of ladder_roles", required=False),
        permission=Permission.MODERATOR,
    )
    async def candidates(self, ctx: Context, role: str | None) -> Reply:
        await self.services.activity.flush()
        role = self._role(ctx, role) if role else None
        tuned = ctx.settings.of(HealthSettings)
        picked = await self.candidates_for(ctx.community.id, role, ctx.now, ctx.settings.basics.timezone)
        rule = (
            f"active on ≥ {plural(tuned.ladder_days, 'day')} of the last {CANDIDATE_WEEKS} weeks and thanked by ≥ "
            f"{plural(tuned.ladder_thanks, 'member')}, a member for 4 weeks or more"
        )
        async with self.services.db.read() as session:
            volunteered = await q.volunteers(session, ctx.community.id)
        # Those out of health figures too: volunteering is their own offer to the moderators, not a figure.
        people = await self._people(ctx.community.id, opted_out=True)
        # Volunteers the rules do not pick (yet) are named too: `/ladder volunteer` promises that moderators see it.
        chosen = {e.member_id for e in picked}
        others = sorted(
            (member_id, sorted(roles))
            for member_id, roles in volunteered.items()
            if member_id not in chosen and member_id in people and (role is None or role in roles)
        )
        refs = await self.services.identity.members_by_id([e.member_id for e in picked[:15]] + [m for m, _ in others])
        if picked:
            lines = [f"**Candidates{f' for {role}' if role else ''}** ({rule}):"]
        else:
            lines = [f"No candidates{f' for {role}' if role else ''} yet ({rule})."]
        for e in picked[:15]:
            if e.member_id in refs:
                offered = volunteered.get(e.member_id)
                note = f" · volunteered: {', '.join(sorted(offered))}" if offered else ""
                lines.append(f"• {mention(refs[e.member_id])} — {e.text()}{note}")
        offers = [f"{mention(refs[m])} ({', '.join(roles)})" for m, roles in others if m in refs]
        if offers:
            lines.append(f"Volunteered, not picked by the rules: {', '.join(offers[:15])}")
            if len(offers) > 15:
                lines[-1] += f" and {number(len(offers) - 15)} more"
        if picked or offers:
            lines.append("Invite one with `/ladder invite member role`.")
        return Reply.private("\n".join(lines))

    def _role(self, ctx: Context, role: str) -> str:
        roles = ctx.settings.of(HealthSettings).roles()
        name = role.strip().lower()
        if name not in roles:
            raise UserError(f"{literal(role)} is not one of this community's roles: {', '.join(roles)} (ladder_roles).")
        return name

    @LADDER.command(
        "invite",
        "Invite a member to a role: they accept or decline privately",
        Option("member", OptionType.MEMBER, "Whom to invite"),
        Option("role", OptionType.TEXT, "One of ladder_roles (mentor, welcomer, host, leader, ...)"),
        Option("grant", OptionType.ROLE, "A server role given on accept (Discord)", required=False),
        permission=Permission.ADMIN,
        example="/ladder invite @alex mentor",
    )
    async def invite(self, ctx: Context, member: Member, role: str, grant: RoleRef | None) -> Reply:
        name = self._role(ctx, role)
        if member.id == ctx.author.id:
            # An invitation is the community asking someone; to take a role yourself is to volunteer, and
            # accepting your own invitation would grant you its `grant` role with nobody else asked.
            raise UserError(
                f"You can't invite yourself. To offer to be a **{name}**, use `/ladder volunteer {name}`: "
                "another admin can then invite you."
            )
        if member.is_bot:
            raise UserError("Bots cannot take community roles.")
        async with self.services.db.read() as session:
            departed = await q.has_left(session, member.id)
        if departed:
            raise UserError(f"{member.name} is no longer a member, so they can't be invited to a role.")
        if grant is not None and not self.services.messenger.capabilities.roles:
            raise UserError("This platform has no roles to grant; invite without `grant`.")
        if grant is not None:
            await check_can_grant(self.services.messenger, grant)
        async with self.services.db.write() as session:
            # Invited again while the last is unanswered (its DM failed, or went unseen): the same invitation is
            # sent again, not a second one that could be accepted as well.
            again = await q.open_invitation(session, ctx.community.id, member.id, name)
            if again is not None and grant is not None:
                await q.set_invitation_grant(session, again, grant.external_id)
            number = again or await q.invite(
                session,
                ctx.community.id,
                member.id,
                name,
                grant.external_id if grant else None,
                ctx.author.id,
                utc(ctx.now),
            )
        invitation = Reply(
            text=f"Hi {mention(member)}! {mention(ctx.author)} invites you to be a **{name}** in "
            f"{literal(ctx.community.ref.name or 'the community')} — thank you for all you do. Would you like to?",
            buttons=(
                Button("Accept", f"ladder:accept:{number}", ButtonStyle.PRIMARY),
                Button("Decline", f"ladder:decline:{number}"),
            ),
        )
        reached = await self.services.notify_member(member.ref, invitation, fallback=None)
        if not reached:
            return Reply.private(f"Invitation recorded, but {mention(member)} could not be reached by direct message.")
        if again is not None:
            return Reply.private(
                f"{mention(member)} had not answered the invitation to be a **{name}** yet: I sent it to them again "
                "(one invitation, answered once)."
            )
        return Reply.private(f"Invited {mention(member)} to be a **{name}**; they'll answer privately.")

    async def click(self, ctx: Context, action: str, _values: tuple[str, ...]) -> Reply:
        verb, _, written = action.partition(":")
        number = id_number(written)
        if verb not in ("accept", "decline") or number is None:
            raise UserError("That button no longer does anything.")
        async with self.services.db.read() as session:
            found = await q.invitation(session, number)
            departed = await q.has_left(session, ctx.author.id)
        if found is None:
            # Gone with the member's data (`/mydata delete`): its own member clicking was told it was not theirs.
            return Reply.private("This invitation is no longer open.")
        if found.member_id != ctx.author.id:
            return Reply.private("This invitation is not yours to answer.")
        if found.status == "open" and departed and verb == "accept":
            # The click comes from a DM, which outlives membership: a role in a community they left is no welcome.
            where = ctx.community.ref.name or "the community"
            return Reply.private(
                f"You're no longer a member of {literal(where)}, so you can't take this role now. The "
                "invitation stays open, should you come back."
            )
        async with self.services.db.write() as session:
            answered = await q.answer_invitation(
                session, number, "accepted" if verb == "accept" else "declined", utc(ctx.now)
            )
            # Answered already: by an earlier click, or by the other button clicked at the same moment.
            now_found = await q.invitation(session, number) if answered is None else None
        if answered is None:
            return Reply.private(f"You already answered this invitation ({(now_found or found).status}).")
        if verb == "decline":
            await self._tell_inviter(ctx, answered, "declined")
            return Reply.private("No problem at all — thanks for letting us know.")
        if answered.grant_role_id:
            community = await self.services.identity.community_by_id(answered.community_id)
            try:
                await self.services.messenger.grant_role(ctx.author.ref, RoleRef(community.ref, answered.grant_role_id))
            except PlatformError as error:
                await self._tell_inviter(ctx, answered, "accepted", f" I could not give them the role: {error}")
                return Reply.private(f"Welcome aboard as **{answered.role}**! I could not give you the role: {error}")
        await self._tell_inviter(ctx, answered, "accepted")
        return Reply.private(f"Welcome aboard as **{answered.role}**! 🎉")

    async def _tell_inviter(self, ctx: Context, answered: q.Invitation, answer: str, note: str = "") -> None:
        """The admin who sent the invitation hears the answer (and `note`, a sentence after it): by DM, else in the
        moderators' channel (when set); not when they left or their data was deleted."""
        inviter_id = answered.invited_by
        if inviter_id is None or inviter_id == ctx.author.id or self.services.identity.departed(inviter_id):
            return
        inviter = (await self.services.identity.members_by_id([inviter_id])).get(inviter_id)
        if inviter is None:
            return
        mods = ctx.settings.basics.mod_channel
        await self.services.notify_member(
            inviter.ref,
            Reply(text=f"{mention(ctx.author)} {answer} your invitation to be a **{answered.role}**.{note}"),
            fallback=ChannelRef(ctx.community.ref, mods) if mods else None,
        )

    @LADDER.command(
        "volunteer",
        "Offer to take a community role (moderators see it next to candidates)",
        Option("role", OptionType.TEXT, "One of ladder_roles (mentor, welcomer, host, leader, special projects)"),
        example="/ladder volunteer mentor",
    )
    async def volunteer(self, ctx: Context, role: str) -> Reply:
        name = self._role(ctx, role)
        async with self.services.db.write() as session:
            new = await q.volunteer(session, ctx.community.id, ctx.author.id, name, utc(ctx.now))
        if not new:
            return Reply.private(f"You had already volunteered as **{name}** — thank you!")
        return Reply.private(f"Thank you for volunteering as **{name}**! The moderators will see it.")


def _names(refs: dict[int, Member], ids: list[int], levels: dict[int, str]) -> str:
    """`@ana (leader), @bo (participant)`: highest level first, then by name; past `NAMES_SHOWN`, `and N more`
    (a month of a big community moves thousands, more than a message holds)."""
    named = sorted((i for i in ids if i in refs), key=lambda i: (-LEVELS.index(levels[i]), refs[i].name.casefold(), i))
    shown = ", ".join(f"{mention(refs[i])} ({levels[i]})" for i in named[:NAMES_SHOWN])
    return shown + (f" and {number(len(named) - NAMES_SHOWN)} more" if len(named) > NAMES_SHOWN else "")
