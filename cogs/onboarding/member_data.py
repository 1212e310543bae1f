"""What onboarding keeps about a member: their journey, interest choices, the reminders sent and their
welcomer volunteering. Journeys of newcomers they welcomed stay, without their name."""

from __future__ import annotations

from bot.core.member_data import MemberData, OnDelete, Reference, by_references
from bot.core.services import Services
from storage.models import OnboardingChoice, OnboardingJourney, OnboardingNotice, Welcomer

REFERENCES = (
    Reference(OnboardingChoice, "member_id"),
    Reference(OnboardingNotice, "member_id"),
    Reference(OnboardingJourney, "welcomer_id", OnDelete.FORGET),
    Reference(OnboardingJourney, "member_id"),
    Reference(Welcomer, "member_id"),
)


def hooks(services: Services) -> MemberData:
    return by_references(services.db, REFERENCES)
