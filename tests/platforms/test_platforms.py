"""Platforms register themselves: the choice from the environment, and start-up that imports only what it uses."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.platforms import UnknownPlatform, choose, registered

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def bare_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "HEARTH_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env


def test_every_platform_package_registers_itself() -> None:
    assert list(registered()) == ["discord", "slack", "console"]


@pytest.mark.usefixtures("bare_environment")
def test_platform_is_inferred_from_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    assert choose("auto")[0].name == "console"
    assert choose("auto", slack_bot_token="xoxb-1")[0].name == "slack"
    platform, settings = choose("auto", slack_bot_token="xoxb-1", discord_token="abc")
    assert (platform.name, settings.discord_token) == ("discord", "abc")
    assert choose("console", discord_token="abc")[0].name == "console"
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-2")
    platform, settings = choose("auto")
    assert (platform.name, settings.slack_bot_token) == ("slack", "xoxb-2")
    with pytest.raises(UnknownPlatform, match="choose auto or one of: discord, slack, console"):
        choose("teams")


@pytest.mark.usefixtures("bare_environment")
def test_the_platform_is_named_in_any_case() -> None:
    """`HEARTH_PLATFORM=Console` was refused, where HEARTH_COGS and HEARTH_LOG_LEVEL take any case (a tester's
    finding)."""
    assert choose("Console")[0].name == "console"
    assert choose(" AUTO ")[0].name == "console"
    assert choose("Slack", slack_bot_token="xoxb-1")[0].name == "slack"


def test_starting_the_cli_imports_no_platform_library() -> None:
    """discord.py and Bolt are imported only by the platform that serves (start-up time, issue 15)."""
    probe = (
        "import sys, bot.cli, bot.app\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'discord', 'slack_bolt', 'slack_sdk'}))"
    )
    found = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"
