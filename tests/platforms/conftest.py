"""Slack fixtures: the mock Web API, and Hearth served on it through Bolt's own web app."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.core.runtime import Hearth
from tests.platforms.slack_fakes import MockSlackApi, SlackHarness, mock_slack_api, running_slack


@pytest.fixture
async def slack_api() -> AsyncIterator[MockSlackApi]:
    async with mock_slack_api() as api:
        yield api


@pytest.fixture
async def slack(hearth: Hearth, slack_api: MockSlackApi) -> AsyncIterator[SlackHarness]:
    async with running_slack(hearth, slack_api) as harness:
        yield harness
