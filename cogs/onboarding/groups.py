"""The command group the onboarding cog owns (its checklist and moderators' verbs are declared on it)."""

from __future__ import annotations

from bot.core.commands import Group

ONBOARDING = Group("onboarding", "Onboarding: your checklist, and how newcomers are welcomed")
