"""`hearth run` against a Discord or Slack that refuses it, or cannot be reached: one line saying what to do and
exit code 2 (a configuration error), never a traceback — after migrating, as a real start does."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path

from tests.platforms.conftest import DiscordHarness
from tests.platforms.slack_fakes import APP_TOKEN, BOT_TOKEN, MockSlackApi

ROOT = Path(__file__).resolve().parents[2]


async def _hearth_run(tmp_path: Path, env: dict[str, str], discord_api: str | None = None) -> tuple[int, str]:
    """A real `hearth run` in its own process; `discord_api` points discord.py's REST base there (it has no
    setting for it: the process patches it, as the tests' fake Discord does)."""
    prelude = f"import discord.http; discord.http.Route.BASE = {discord_api!r}; " if discord_api else ""
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("DISCORD_", "SLACK_", "HEARTH_"))}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        f"import sys; sys.path.insert(0, {str(ROOT)!r}); {prelude}from bot.cli import main; main()",
        "run",
        cwd=tmp_path,
        env={
            **clean,
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'hearth.db'}",
            "HEARTH_LOG_LEVEL": "ERROR",
            **env,
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
    assert (tmp_path / "hearth.db").exists()  # it got as far as migrating
    return process.returncode or 0, stderr.decode()


def _one_error_line(stderr: str) -> str:
    assert "Traceback" not in stderr and "╭" not in stderr, stderr
    [line] = [line for line in stderr.splitlines() if line.strip()]
    assert line.startswith("error: "), stderr
    return line


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_discord_out_of_reach_is_one_line_and_exit_2(tmp_path: Path) -> None:
    nowhere = f"http://127.0.0.1:{_closed_port()}/api/v10"
    code, stderr = await _hearth_run(tmp_path, {"DISCORD_TOKEN": "abc"}, discord_api=nowhere)
    assert code == 2
    assert "Cannot reach Discord to log in: check this machine's network connection" in _one_error_line(stderr)


async def test_a_token_discord_rejects_is_one_line_and_exit_2(tmp_path: Path, discord_env: DiscordHarness) -> None:
    api = discord_env.server.url + "/api/v10"
    code, stderr = await _hearth_run(tmp_path, {"DISCORD_TOKEN": "not.the.token"}, discord_api=api)
    assert code == 2
    assert "Discord rejected DISCORD_TOKEN" in _one_error_line(stderr)


async def test_a_token_slack_refuses_is_one_line_and_exit_2(tmp_path: Path, slack_api: MockSlackApi) -> None:
    slack_api.errors["auth.test"] = "invalid_auth"
    env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": APP_TOKEN, "SLACK_API_URL": slack_api.api_url}
    code, stderr = await _hearth_run(tmp_path, env)
    assert code == 2
    assert "Slack refused SLACK_BOT_TOKEN (auth.test: invalid_auth)" in _one_error_line(stderr)


async def test_a_dev_server_discord_refuses_commands_for_is_one_line_and_exit_2(
    tmp_path: Path, discord_env: DiscordHarness
) -> None:
    """DISCORD_DEV_GUILD_ID naming a server Hearth is not in (a mistyped id), or one it was invited to without
    the applications.commands scope: Discord answers 403 Missing Access to registering the commands there."""
    discord_env.server.no_access.add("123456789012345678")
    api = discord_env.server.url + "/api/v10"
    env = {"DISCORD_TOKEN": discord_env.server.token, "DISCORD_DEV_GUILD_ID": "123456789012345678"}
    code, stderr = await _hearth_run(tmp_path, env, discord_api=api)
    assert code == 2, stderr
    line = _one_error_line(stderr)
    assert "Discord refused to register Hearth's commands in the server DISCORD_DEV_GUILD_ID=123456789012345678" in line
    assert "(Missing Access)" in line and "applications.commands" in line


async def test_a_slack_http_port_another_program_holds_is_one_line_and_exit_2(
    tmp_path: Path, slack_api: MockSlackApi
) -> None:
    """HEARTH_HTTP_PORT already taken (another Hearth, another program): aiohttp's bind failed with a traceback of
    some 130 lines and exit status 1 (a tester's finding)."""
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        env = {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": "secret",
            "SLACK_API_URL": slack_api.api_url,
            "HEARTH_HTTP_PORT": str(port),
        }
        code, stderr = await _hearth_run(tmp_path, env)
    assert code == 2
    line = _one_error_line(stderr)
    assert f"HEARTH_HTTP_PORT={port}: cannot listen on this port" in line
    assert "choose another port" in line
