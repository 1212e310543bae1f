"""Platforms: each subpackage is one platform and registers itself by declaring `PLATFORM`.

A `Platform` says what the platform is called (the `--platform` / HEARTH_PLATFORM value), its settings
model (pydantic, read from the environment and `.env`), how it is detected from them (a token is set),
and how it serves a started Hearth. `bot.app` and `bot.cli` only iterate over `registered()`: adding a
platform is adding a package here. A package's `__init__` imports nothing heavy (discord.py and Bolt are
imported when it serves), so finding the platforms costs little at start-up.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.core.refs import ANY_MEMBER_ID, MemberIdFormat
from config.settings import ENV_FILE, Settings, SettingsError, env_file_encoding, settings_error

if TYPE_CHECKING:
    from bot.core.runtime import Hearth


class PlatformSettings(BaseSettings):
    """The base of each platform's settings model: read like `config.settings.Settings` (env, `.env`)."""

    # As for Hearth's own settings, an empty value in `.env` means "not set".
    model_config = SettingsConfigDict(
        env_file=ENV_FILE, env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    def check(self) -> None:
        """Raise SettingsError, saying what to fix, when these settings cannot work (a missing token).
        Called before anything starts: no migration, no scheduler."""


@dataclass(frozen=True)
class Platform:
    """`detect`: whether these settings choose the platform when HEARTH_PLATFORM is `auto`; platforms are
    asked in `rank` order (lowest first), so a fallback (the console) detects always and ranks last.
    `virtual_time`: Hearth runs on a virtual clock there (the console's `wait`). `serve` runs until stopped.
    `member_ids`: what its member ids look like (checked by `hearth points import`)."""

    name: str
    description: str
    settings: type[PlatformSettings]
    detect: Callable[[Any], bool]
    serve: Callable[[Hearth, Any], Awaitable[None]]
    rank: int = 50
    virtual_time: bool = False
    member_ids: MemberIdFormat = ANY_MEMBER_ID

    def load_settings(self, **overrides: object) -> Any:
        """The platform's settings; a malformed one raises SettingsError (one line per setting)."""
        given = {k: v for k, v in overrides.items() if v is not None}
        try:  # `.env` read as Hearth's own settings read it (in the encoding its byte order mark says)
            return self.settings(_env_file_encoding=env_file_encoding(), **given)  # type: ignore[arg-type]
        except ValidationError as error:
            raise settings_error(error) from None


@cache
def registered() -> dict[str, Platform]:
    """Every platform package under `bot/platforms`, by name, in detection order."""
    found: list[Platform] = []
    for module in pkgutil.iter_modules(__path__):
        if module.ispkg:
            declared = getattr(importlib.import_module(f"{__name__}.{module.name}"), "PLATFORM", None)
            if isinstance(declared, Platform):
                found.append(declared)
    return {platform.name: platform for platform in sorted(found, key=lambda p: (p.rank, p.name))}


def setting_names() -> list[str]:
    """Every setting's name: Hearth's own and each registered platform's (lowercase, as the models declare them)."""
    platforms = registered().values()
    return [*Settings.model_fields, *(name for platform in platforms for name in platform.settings.model_fields)]


class UnknownPlatform(SettingsError):
    """HEARTH_PLATFORM names no registered platform."""


def choose(name: str, **overrides: object) -> tuple[Platform, Any]:
    """The platform `name` names, case aside (`auto`: the first whose settings detect it) and its settings."""
    platforms = registered()
    # Read as HEARTH_COGS and HEARTH_LOG_LEVEL are: `HEARTH_PLATFORM=Console` was refused naming the choices.
    name = name.strip().lower()
    if name != "auto":
        if name not in platforms:
            raise UnknownPlatform(f"HEARTH_PLATFORM is {name!r}; choose auto or one of: {', '.join(platforms)}")
        return platforms[name], platforms[name].load_settings(**overrides)
    for platform in platforms.values():
        settings = platform.load_settings(**overrides)
        if platform.detect(settings):
            return platform, settings
    raise UnknownPlatform("no platform is registered")
