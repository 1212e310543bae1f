"""Slack's settings (public names: documented in README.md and .env.example)."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field, field_validator

from bot.platforms import PlatformSettings
from config.settings import SettingsError


class SlackSettings(PlatformSettings):
    slack_bot_token: str | None = None
    slack_app_token: str | None = None
    slack_signing_secret: str | None = None
    slack_api_url: str | None = None
    slack_moderator_groups: str = Field(
        "", description="Comma-separated Slack user group ids (S0123...) whose members are moderators"
    )
    hearth_http_port: int = Field(3000, ge=0, le=65535)

    @field_validator("slack_api_url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        """Refused here, before anything starts: Slack's client took `slack.example/api/` (no scheme) as given, and
        Hearth stopped only once started, with an error that named no cause."""
        if value is not None:
            parsed = urlsplit(value)
            if parsed.scheme not in ("http", "https") or not parsed.hostname:
                raise ValueError(
                    "expected an http:// or https:// address such as https://slack.com/api/ (Slack's own, the "
                    "default when it is empty)"
                )
        return value

    def slack_moderator_group_ids(self) -> tuple[str, ...]:
        return tuple(part.strip() for part in self.slack_moderator_groups.split(",") if part.strip())

    def check(self) -> None:
        """Fail before connecting when a token or secret cannot work, saying what to fix."""
        token = self.slack_bot_token
        if not token:
            raise SettingsError(
                "SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-...) from your Slack app's "
                "OAuth & Permissions page."
            )
        if not token.startswith("xoxb-"):
            raise SettingsError(
                "SLACK_BOT_TOKEN must be a bot token starting with xoxb- (OAuth & Permissions page); "
                f"the one given starts with {token[:5]!r}."
            )
        app_token = self.slack_app_token
        if app_token and not app_token.startswith("xapp-"):
            raise SettingsError(
                "SLACK_APP_TOKEN must be an app-level token starting with xapp- (Basic Information > App-Level "
                f"Tokens, scope connections:write); the one given starts with {app_token[:5]!r}."
            )
        if not app_token and not self.slack_signing_secret:
            raise SettingsError(
                "HTTP mode needs SLACK_SIGNING_SECRET (Basic Information > App Credentials) to verify Slack's "
                "requests; or set SLACK_APP_TOKEN (xapp-...) to use Socket Mode instead."
            )
