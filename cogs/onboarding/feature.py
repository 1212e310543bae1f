"""Onboarding, composed from its parts: the checklist (and grants), welcomes and raids, reminders, and
moderators' commands. Each part declares its own commands; this registers them and the event handlers."""

from __future__ import annotations

from bot.core.events import Contributed, MemberJoined, MessagePosted
from bot.core.registry import Registry
from bot.core.services import Services
from cogs.onboarding.checklist import Checklist
from cogs.onboarding.moderation import ModeratorCommands
from cogs.onboarding.reminders import Reminders
from cogs.onboarding.service import OnboardingService
from cogs.onboarding.welcomes import Welcomes


class OnboardingFeature:
    def __init__(self, services: Services) -> None:
        journeys = OnboardingService(services)
        self.welcomes = Welcomes(services, journeys)
        self.checklist = Checklist(services, journeys, self.welcomes)
        self.reminders = Reminders(services, journeys, self.checklist, self.welcomes)
        self.moderation = ModeratorCommands(services, journeys)

    def register(self, registry: Registry) -> None:
        registry.commands_of(self.checklist)
        self.moderation.register(registry)
        registry.commands_of(self.welcomes)
        registry.component("onb", self.checklist.on_click)
        registry.home(self.checklist.home)
        registry.on(MemberJoined, self.checklist.on_join)
        registry.on(MessagePosted, self.checklist.on_message)
        registry.on(Contributed, self.checklist.on_contributed)
        registry.on_start(self.reminders.start)
        registry.on_stop(self.reminders.stop)
