"""Process-wide settings, read from the environment and `.env` when asked for (never at import)."""

from __future__ import annotations

import codecs
import difflib
import io
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from dotenv.parser import parse_stream
from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

# The exit code of every configuration error (a missing or malformed setting), whatever the command.
CONFIG_ERROR_EXIT = 2
DATABASE_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")
# The file read after the environment, in the working directory (Hearth's settings and each platform's).
ENV_FILE = ".env"
# Byte order marks and the encoding each one announces; UTF-32's before UTF-16's, which begin them.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class SettingsError(ValueError):
    """A setting is missing or malformed for what was asked; the message says which and how to fix it."""


# Every feature Hearth ships, in load order (a cog's package under cogs/). HEARTH_COGS picks a subset.
ALL_COGS: tuple[str, ...] = (
    "settings",
    "recognition",
    "onboarding",
    "introductions",
    "rituals",
    "health",
    "privacy",
)


class Settings(BaseSettings):
    """Every name here is a public interface: documented in README.md and .env.example."""

    # An empty value (`DISCORD_DEV_GUILD_ID=` as in .env.example) means "not set": the default applies.
    model_config = SettingsConfigDict(
        env_file=ENV_FILE, env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    hearth_platform: str = Field(
        "auto", description="a platform's name (console, discord, slack), or auto (chosen from the tokens present)"
    )
    database_url: str = Field("sqlite+aiosqlite:///data/hearth.db", description="SQLAlchemy async URL")
    hearth_log_level: str = Field("INFO", description="Python logging level")
    hearth_activity_flush_seconds: float = Field(
        2.0, gt=0, le=60, description="Longest time message-activity points and health counts wait in memory"
    )
    hearth_activity_batch_size: int = Field(2000, ge=1, le=50_000, description="Flush activity points at this many")
    hearth_cogs: str = Field("", description="Comma-separated features to load (default: all of ALL_COGS)")

    @field_validator("hearth_cogs")
    @classmethod
    def _known_cogs(cls, value: str) -> str:
        names = _names(value)
        unknown = [name for name in names if name not in ALL_COGS]
        if unknown:
            raise ValueError(
                f"HEARTH_COGS names {', '.join(unknown)}, which Hearth does not have; choose from {', '.join(ALL_COGS)}"
            )
        for name in names:
            missing = [needed for needed in _NEEDS.get(name, ()) if needed not in names]
            if missing:
                raise ValueError(f"{name} needs {' and '.join(missing)}; add it to HEARTH_COGS")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError:
            url = None
        if url is None or url.drivername not in DATABASE_DRIVERS:
            raise ValueError(
                "expected sqlite+aiosqlite:///path/to/hearth.db or postgresql+asyncpg://user:password@host:5432/db"
            )
        if url.drivername.startswith("sqlite") and not url.database:
            # SQLite opens an empty path as a private in-memory database: everything kept would be gone at the
            # next stop, without a word. `sqlite+aiosqlite:///${DB}` with DB unset reads so. `:memory:` is asked.
            raise ValueError("names no database file; expected sqlite+aiosqlite:///path/to/hearth.db")
        return value

    @field_validator("hearth_log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        if value.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("expected DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return value

    def chosen_cogs(self) -> tuple[str, ...]:
        """The cog packages to load (`cogs.recognition`, ...), in Hearth's load order."""
        wanted = _names(self.hearth_cogs)
        return tuple(f"cogs.{name}" for name in ALL_COGS if not wanted or name in wanted)

    def sqlite_path(self) -> Path | None:
        """The database file when DATABASE_URL names a SQLite file (so its folder can be created)."""
        prefix = "sqlite+aiosqlite:///"
        if self.database_url.startswith(prefix):
            rest = self.database_url[len(prefix) :]
            return Path(rest) if rest and rest != ":memory:" else None
        return None


# Features that add verbs to another one's command group (introductions: the intro questions under /onboarding).
_NEEDS: dict[str, tuple[str, ...]] = {"introductions": ("onboarding",)}


def _names(text: str) -> list[str]:
    """The features named, case aside (`Recognition` is `recognition`, as in an environment variable)."""
    return [part.strip().lower() for part in text.split(",") if part.strip()]


def load_settings(**overrides: object) -> Settings:
    """Read settings now; keyword overrides win over the environment (used by the CLI flags).
    A malformed value raises SettingsError: one line per setting, naming it, the value and what is expected."""
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(_env_file_encoding=env_file_encoding(), **given)  # type: ignore[arg-type]
    except ValidationError as error:
        raise settings_error(error) from None


def env_file_encoding(path: Path = Path(ENV_FILE)) -> str:
    """The encoding `.env` is written in, once every line of it is known to be readable, for pydantic-settings
    to read it with: UTF-8, or what its byte order mark says (Windows PowerShell 5's `echo X=Y > .env` writes
    UTF-16 with one). A file Hearth cannot read raises SettingsError naming the file and where: python-dotenv
    would raise a UnicodeDecodeError, or skip a line it cannot parse with a warning of its own, and a skipped
    line may be the token or DATABASE_URL the person believes set, so Hearth would run on a default."""
    if not path.exists():
        return "utf-8"
    if path.is_dir():  # pydantic-settings would skip it without a word, and Hearth would run on a default
        raise SettingsError(f"{path} is a folder, not a settings file: remove it, or put NAME=value lines in a file")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SettingsError(f"{path}: cannot read it: {error.strerror or error}") from None
    encoding = next((name for bom, name in _BOMS if data.startswith(bom)), "utf-8")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        raise SettingsError(
            f"{path} is not {encoding.removesuffix('-sig').upper()}: the byte 0x{data[error.start]:02x} at "
            f"{_where(data, error.start)} cannot be read; save it as UTF-8"
        ) from None
    if encoding == "utf-8" and b"\0" in data:
        # Valid UTF-8, but no setting holds a NUL: the ASCII halves of UTF-16 written without its mark.
        raise SettingsError(
            f"{path} has a NUL byte at {_where(data, data.index(0))}"
            + (", as UTF-16 without a byte order mark has" if data.count(b"\0") * 4 >= len(data) else "")
            + "; save it as UTF-8"
        )
    for binding in parse_stream(io.StringIO(text)):
        # A statement starts after the blank lines python-dotenv counts into it.
        statement = binding.original.string
        line = binding.original.line + statement[: len(statement) - len(statement.lstrip())].count("\n")
        if binding.error:
            raise SettingsError(
                f"{path}:{line} is not a setting: write NAME=value (quote a value with spaces or #, close its "
                "quote), or start a comment with #"
            )
        if binding.key is not None and binding.value is None:
            # A name alone: python-dotenv reads it as unset, and Hearth started on the default (a new, empty
            # database for `DATABASE_URL`) without a word.
            raise SettingsError(
                f"{path}:{line} names {binding.key} without a value: write {binding.key}=value "
                f"({binding.key}= for an empty one), or start a comment with #"
            )
    return encoding


# Names that look like a setting of Hearth's or a platform's; other variables (PATH, a compose file's) are not ours.
_SETTING_PREFIXES = ("HEARTH_", "DISCORD_", "SLACK_")
# Settings of the test suite and benchmarks (README "Development"), not of a running Hearth.
_TOOLING_PREFIX = "HEARTH_TEST_"


def unknown_settings(
    known: Iterable[str], environ: Mapping[str, str] | None = None, path: Path = Path(ENV_FILE)
) -> list[str]:
    """One warning per name that looks like a setting but is none, from the environment and `.env`: named
    like Hearth's settings (`HEARTH_`, `DISCORD_`, `SLACK_`) or nearly a known setting's name (`DATABSE_URL`),
    with the known name it most resembles. Settings are read by exact name, so a misspelt one
    (`DISCORD_BOT_TOKEN`, `HEARTH_DATABASE_URL`) would otherwise leave Hearth on its default (the console,
    the default database) without a word.

    `known`: every setting's name, any case. A `.env` Hearth cannot read adds nothing here: reading the
    settings says what is wrong with it."""
    names = {name.upper() for name in known}
    given = list(os.environ if environ is None else environ)
    if path.is_file():
        try:
            given += [
                binding.key
                for binding in parse_stream(io.StringIO(path.read_bytes().decode(env_file_encoding(path))))
                if binding.key
            ]
        except (OSError, SettingsError, UnicodeDecodeError):
            pass
    warnings: list[str] = []
    for name in dict.fromkeys(given):
        upper = name.upper()
        if upper in names or upper.startswith(_TOOLING_PREFIX):
            continue
        closest = difflib.get_close_matches(upper, names, n=1, cutoff=0.6)
        if not upper.startswith(_SETTING_PREFIXES) and not difflib.get_close_matches(upper, names, n=1, cutoff=0.85):
            continue
        hint = f"; did you mean {closest[0]}?" if closest else ""
        warnings.append(f'{name} is not a setting Hearth knows, so it is ignored{hint} (README "Configuration")')
    return warnings


def _where(data: bytes, offset: int) -> str:
    """A byte's place in a file, as an editor finds it (by line) and a hex viewer does (by offset)."""
    line = data[:offset].count(b"\n") + 1
    return f"offset {offset} (line {line})"


def _number(bound: object) -> str:
    """A bound as the README writes it: whole numbers with thousands separators (50,000)."""
    return f"{bound:,}" if isinstance(bound, int) and not isinstance(bound, bool) else str(bound)


def settings_error(error: ValidationError) -> SettingsError:
    """A pydantic refusal of settings (Hearth's or a platform's) as one line per setting."""
    return SettingsError("\n".join(_describe(problem) for problem in error.errors()))


def _describe(problem: Mapping[str, Any]) -> str:
    """`NAME=value: what is expected`, in words a person reads rather than pydantic's."""
    name = ".".join(str(part) for part in problem["loc"]).upper()
    value = problem.get("input")
    if name == "DATABASE_URL" and isinstance(value, str):
        value = masked_url(value)
    context = problem.get("ctx") or {}
    expected = {
        "int_parsing": "expected a whole number",
        "int_from_float": "expected a whole number",
        "float_parsing": "expected a number",
        "bool_parsing": "expected true or false",
        "greater_than_equal": f"expected at least {_number(context.get('ge'))}",
        "greater_than": f"expected more than {_number(context.get('gt'))}",
        "less_than_equal": f"expected at most {_number(context.get('le'))}",
        "less_than": f"expected less than {_number(context.get('lt'))}",
        "enum": f"expected one of {context.get('expected')}",
    }.get(problem["type"])
    if expected is None:
        text = str(problem["msg"]).removeprefix("Value error, ")
        # "Unknown x" reads on after "NAME=value: "; a name in capitals stays as it is.
        expected = text[:1].lower() + text[1:] if text[1:2].islower() else text
    return f"{name}={value}: {expected}"


def masked_url(url: str) -> str:
    """A database URL fit for a message: the password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url
