"""The Slack platform (Bolt). `serve_slack` runs it: Socket Mode when SLACK_APP_TOKEN is set, else HTTP.

Bolt is imported only when serving, so `hearth slack-manifest` and the console start without it.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from bot.core.refs import MemberIdFormat
from bot.platforms import Platform
from bot.platforms.slack.settings import SlackSettings

if TYPE_CHECKING:
    from bot.core.runtime import Hearth

log = logging.getLogger(__name__)


async def serve_slack(hearth: Hearth, settings: SlackSettings) -> None:
    """Serve until cancelled. Bad tokens or a missing signing secret stop it here, before any traffic."""
    from bot.platforms.slack.app import EVENTS_PATH, create_slack_platform

    platform = await create_slack_platform(hearth, settings)
    try:
        await platform.verify()
        if settings.slack_app_token:
            handler = await platform.start_socket_mode(settings.slack_app_token)
            log.info("Hearth is on Slack workspace %s (Socket Mode)", platform.team_name or platform.team_id)
            try:
                await asyncio.Event().wait()
            finally:
                await handler.close_async()
                await hearth.lifecycle.drain()
                if platform.unacknowledged_at_stop:
                    log.info(
                        "%d Slack envelopes handled while stopping were not acknowledged (the connection was "
                        "closed): Slack sends their events again, and those redeliveries award nothing twice",
                        platform.unacknowledged_at_stop,
                    )
        else:
            runner = await platform.start_http("0.0.0.0", settings.hearth_http_port)
            log.info(
                "Hearth is on Slack workspace %s: HTTP on port %d, path %s",
                platform.team_name or platform.team_id,
                runner.addresses[0][1],  # the port bound (HEARTH_HTTP_PORT=0 picks a free one)
                EVENTS_PATH,
            )
            try:
                await asyncio.Event().wait()
            finally:
                await runner.cleanup()  # stops listening; requests under way are answered first
                await hearth.lifecycle.drain()
    finally:
        await platform.close()


def _detect(settings: SlackSettings) -> bool:
    return bool(settings.slack_bot_token)


PLATFORM = Platform(
    name="slack",
    description="Slack (Bolt; Socket Mode with SLACK_APP_TOKEN, else HTTP)",
    settings=SlackSettings,
    detect=_detect,
    serve=serve_slack,
    rank=20,
    member_ids=MemberIdFormat(r"[UW][A-Z0-9]{1,20}", "a Slack user id is U or W and capitals or digits (U024BE7LH)"),
)
