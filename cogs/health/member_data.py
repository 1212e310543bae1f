"""What community health keeps about a member: their daily counts, their newcomer record, outreach notes,
ladder invitations and volunteering. Mood counts are per channel, never per member (how many wrote in a channel
on a day is a count; who they were is never stored)."""

from __future__ import annotations

from bot.core.member_data import MemberData, OnDelete, Reference, by_references
from bot.core.services import Services
from storage.health_models import (
    HealthMemberDay,
    HealthNewcomer,
    HealthOutreach,
    LadderInvitation,
    LadderVolunteer,
)

# A departed member's daily counts and newcomer record stay when they are anonymised: retention by join week and
# time to first response count them as the community's history (a cohort that lost them no longer looked
# better for it); `/mydata delete` deletes them.
REFERENCES = (
    Reference(HealthMemberDay, "member_id", history=True),
    Reference(HealthNewcomer, "first_reply_by", OnDelete.FORGET, history=True),
    Reference(HealthNewcomer, "member_id", history=True),
    Reference(HealthOutreach, "by_id", OnDelete.FORGET),
    Reference(HealthOutreach, "member_id"),
    Reference(LadderInvitation, "invited_by", OnDelete.FORGET),
    Reference(LadderInvitation, "member_id"),
    Reference(LadderVolunteer, "member_id"),
)


def hooks(services: Services) -> MemberData:
    return by_references(services.db, REFERENCES)
