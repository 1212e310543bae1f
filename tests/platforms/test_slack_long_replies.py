"""Replies longer than one Block Kit section takes: continued in further sections, never cut short (the mock
refuses blocks over Slack's limits, as Slack does)."""

from __future__ import annotations

from bot.core.refs import Permission
from tests.platforms.slack_fakes import MockSlackApi, SlackHarness
from tests.platforms.test_slack import block_texts


async def test_help_lists_every_command_an_admin_may_run(slack: SlackHarness, slack_api: MockSlackApi) -> None:
    """A moderator's or admin's /help is over Slack's 3,000 characters of a section: it stopped at `/onboarding`
    with `…`, the commands after it never shown."""
    slack_api.user("U0ADMIN", "admin", is_admin=True)
    answer = await slack.command("/help", "", "U0ADMIN")
    assert not slack_api.refused_for_size
    text = block_texts(answer)
    registered = slack.platform.hearth.registry.commands.values()
    commands = [spec for spec in registered if spec.permission <= Permission.ADMIN]
    assert [spec.path for spec in commands if f"`/{spec.path}" not in text] == []
    assert "…" not in text
