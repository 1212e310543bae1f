"""Public welcomes, batched when many arrive at once (a raid), and the welcomers who volunteer."""

from __future__ import annotations

import logging
from datetime import datetime

from apscheduler.triggers.date import DateTrigger

from bot.core.commands import Group
from bot.core.context import Context
from bot.core.messenger import PlatformError, tell_mods
from bot.core.refs import ChannelRef, CommunityRef, Member, MemberRef
from bot.core.reply import Reply, channel_mention, mention
from bot.core.services import Services
from cogs.onboarding.service import OnboardingService, default_welcome, render_welcome
from cogs.onboarding.settings import OnboardingSettings
from config.community import CommunitySettings

log = logging.getLogger(__name__)

WELCOMER = Group("welcomer", "Volunteer to welcome newcomers")
BATCH_MENTIONS = 50


class Welcomes:
    def __init__(self, services: Services, journeys: OnboardingService) -> None:
        self.services = services
        self.journeys = journeys

    async def member_ref(self, community: CommunityRef, member_id: int) -> MemberRef:
        return (await self.journeys.member_refs([member_id]))[member_id]

    async def _welcome_text(
        self, community_id: int, community: CommunityRef, member_ids: list[int], members: str, welcomer: str
    ) -> str:
        setup = await self.journeys.setup(community_id)
        settings = await self.services.settings.get(community_id)
        template = setup.welcome_message or default_welcome(
            settings, introduced=await self.journeys.introduced(community_id, member_ids)
        )

        def channel(channel_id: str | None, fallback: str) -> str:
            return channel_mention(ChannelRef(community, channel_id)) if channel_id else fallback

        return render_welcome(
            template,
            {
                "member": members,
                "community": community.name or "the community",
                "rules_channel": channel(settings.basics.rules_channel, "the rules"),
                "welcome_channel": channel(settings.basics.welcome_channel, "here"),
                "intros_channel": channel(settings.basics.intros_channel, "the introductions channel"),
                "welcomer": welcomer,
            },
        )

    async def public_welcome(
        self, member: Member, settings: CommunitySettings, welcomer: MemberRef | None, now: datetime
    ) -> None:
        if not settings.basics.welcome_channel:
            return
        community = member.ref.community
        if not await self.journeys.welcome_now_or_queue(member, settings, now):
            job_id = f"onboarding:welcome-batch:{member.community_id}"
            if self.services.scheduler.next_run(job_id) is None:
                self.services.scheduler.add(
                    job_id,
                    DateTrigger(run_date=now + settings.of(OnboardingSettings).raid_window),
                    lambda scheduled: self.post_batch(member.community_id, community, scheduled),
                )
            return
        text = await self._welcome_text(
            member.community_id, community, [member.id], mention(member), mention(welcomer) if welcomer else "everyone"
        )
        await self._post(community, settings, text)

    async def _post(self, community: CommunityRef, settings: CommunitySettings, text: str) -> None:
        """A welcome in `welcome_channel`. One the platform refuses (the channel deleted, closed to Hearth) is told to
        the moderators, never raised: until 2026-12-02 it failed the click that completed a newcomer's checklist
        ("Sorry, something went wrong … nothing was changed", though their step, role and points went through)."""
        channel = settings.basics.welcome_channel
        assert channel is not None
        try:
            await self.services.messenger.send(ChannelRef(community, channel), Reply(text=text))
        except PlatformError as error:
            log.warning("welcome not posted in community %s: %s", community.external_id, error.reason)
            await tell_mods(
                self.services.messenger,
                community,
                settings.basics.mod_channel,
                f"⚠️ I couldn't post a newcomer's welcome in {channel_mention(ChannelRef(community, channel))}: "
                f"{error.reason}",
            )

    async def post_batch(self, community_id: int, community: CommunityRef, queued_before: datetime) -> None:
        """One welcome for everyone who arrived in a raid, instead of a flood."""
        member_ids = await self.journeys.take_batch(community_id, queued_before, self.services.clock.now())
        if not member_ids:
            return
        settings = await self.services.settings.get(community_id)
        if not settings.basics.welcome_channel:
            return
        refs = await self.journeys.member_refs(member_ids)
        if len(member_ids) == 1:
            # The raid ended with one newcomer waiting: a batch has two at least, so theirs is an ordinary welcome.
            [member_id] = member_ids
            progress = await self.journeys.progress(member_id)
            welcomer_id = progress.journey.welcomer_id if progress else None
            welcomer = mention(await self.member_ref(community, welcomer_id)) if welcomer_id else "everyone"
            member = mention(refs[member_id])
            text = await self._welcome_text(community_id, community, member_ids, member, welcomer)
            await self._post(community, settings, text)
            return
        shown = [mention(refs[mid]) for mid in member_ids[:BATCH_MENTIONS] if mid in refs]
        more = len(member_ids) - len(shown)
        everyone = ", ".join(shown) + (f" and {more} more" if more else "")
        text = await self._welcome_text(community_id, community, member_ids, everyone, "everyone")
        await self._post(community, settings, f"🎉 {len(member_ids)} new members arrived together!\n{text}")

    @WELCOMER.command("join", "Volunteer to welcome newcomers")
    async def welcomer_join(self, ctx: Context) -> Reply:
        if not await self.journeys.volunteer(ctx.author, True):
            return Reply.private("You're already a welcomer. Thank you! 💛")
        return Reply.private("Thank you! You'll be paired with newcomers, and earn points when they finish onboarding.")

    @WELCOMER.command("leave", "Stop welcoming newcomers")
    async def welcomer_leave(self, ctx: Context) -> Reply:
        if not await self.journeys.volunteer(ctx.author, False):
            return Reply.private("You weren't a welcomer; nothing changed.")
        return Reply.private("Done: you won't be paired with newcomers any more. Thanks for all the welcomes!")
