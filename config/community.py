"""Per-community settings: each cog declares a typed section (defaults, limits); stored per community.

The keys of all sections share one namespace (what `/config set KEY VALUE` takes), so a key is declared
by exactly one section. `CommunityBasics` holds what every feature may read: the time zone and the
community's named channels (a welcome template names the intros channel, say).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, time, timedelta
from functools import cache
from typing import Any, ClassVar, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from config.durations import format_duration, is_bare_number, parse_duration

S = TypeVar("S", bound="Section")


@cache
def _zones_by_folded_name() -> dict[str, str]:
    return {name.casefold(): name for name in available_timezones()}


def canonical_zone(name: str) -> str:
    """The IANA name as the tz database spells it, whatever the case typed (`europe/berlin` →
    `Europe/Berlin`); the name unchanged when no zone has it (then `is_time_zone` says no)."""
    return _zones_by_folded_name().get(name.strip().casefold(), name)


def is_time_zone(name: str) -> bool:
    """An IANA zone name Hearth can use. zoneinfo reads a file by that name, so besides "not found" it
    raises what the file system says: `Europe` is a directory (IsADirectoryError), a very long name is
    too long for a file name (OSError). Each of those is just "not a time zone" to the person typing."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


# Names the tz database keeps for old systems, a fixed offset all year, that people read as a region's time:
# `EST` is UTC-5 in summer too, when New York is UTC-4 (a ritual at 09:00 `EST` posted at 10:00 there all summer).
# `HST` is left alone: Hawaii keeps UTC-10 all year.
_FIXED_OFFSET_NAMES = {
    "EST": "America/New_York for US Eastern time (or America/Panama, which keeps UTC-5 all year)",
    "MST": "America/Denver for US Mountain time (or America/Phoenix, which keeps UTC-7 all year)",
}


def fixed_offset_refusal(name: str) -> str | None:
    """Why `name` (a zone as `canonical_zone` spells it) is refused although the tz database has it, naming the
    zone meant; None for any other name."""
    meant = _FIXED_OFFSET_NAMES.get(name)
    if meant is None:
        return None
    return f"`{name}` is a fixed offset with no summer time; use {meant}"


# Validation context of values read back from the database: a validator that became stricter than an older
# version may let them through, so a community's stored settings stay readable (`/config set` checks anew).
STORED: dict[str, bool] = {"stored": True}


class SettingError(ValueError):
    """A polite message for an unknown key or a bad value."""


class Section(BaseModel):
    """One cog's settings. Subclass it with typed fields (limits in `Field`) and declare it with the registry."""

    model_config = ConfigDict(validate_assignment=True, extra="forbid")

    # Besides `/config set`, the cog owning this command group offers these keys (`/onboarding set`).
    tuned_with: ClassVar[str | None] = None

    def shown(self, key: str) -> str | None:
        """How `/config show` writes this key's value, when not as stored (None): a form `/config set` reads
        back, so a value copied from `/config show` sets the same value."""
        return None

    def remark(self, key: str) -> str | None:
        """A word on `key`'s value just set, added to the reply (None: nothing to say): a combination with
        another setting that is allowed but may not be what was meant."""
        return None

    @model_validator(mode="before")
    @classmethod
    def _duration_text(cls, values: Any) -> Any:
        """Durations are typed as people say them (`90s`, `1h30m`)."""
        if not isinstance(values, dict):
            return values
        return {
            key: _duration(value) if isinstance(value, str) and _is_duration(cls, key) else value
            for key, value in values.items()
        }


def _duration(text: str) -> timedelta:
    """A duration setting as typed; `off` is no time at all (how `/config show` shows a zero duration)."""
    return timedelta(0) if text.strip().lower() == "off" else parse_duration(text)


def _is_duration(section: type[Section], key: str) -> bool:
    info = section.model_fields.get(key)
    return info is not None and info.annotation is timedelta


def _is_text(section: type[Section], key: str) -> bool:
    """A free-text setting: every list setting (`value_tags`, `level_roles`, `ladder_roles`, ...) is one."""
    info = section.model_fields.get(key)
    return info is not None and info.annotation is str


class CommunityBasics(Section):
    """The community's time zone and named channels: read by several features, so owned by the core."""

    timezone: str = Field("UTC", description="IANA time zone for days, weeks, months and rituals")
    announcement_channel: str | None = Field(None, description="Channel for public announcements")
    welcome_channel: str | None = Field(None, description="Channel for public welcomes")
    intros_channel: str | None = Field(None, description="Channel where introductions are posted")
    rules_channel: str | None = Field(None, description="Channel with the community's rules, for {rules_channel}")
    mod_channel: str | None = Field(None, description="Channel where moderators hear about stuck newcomers")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str, info: ValidationInfo) -> str:
        if not value.strip():
            raise ValueError("give an IANA time zone such as Europe/Berlin")
        value = canonical_zone(value)
        if not is_time_zone(value):
            raise ValueError(f"unknown time zone `{value}`; use an IANA name such as Europe/Berlin")
        # A value stored before such names were refused stays readable; `/config set` refuses it anew.
        if (refusal := fixed_offset_refusal(value)) and info.context is not STORED:
            raise ValueError(refusal)
        return value


class CommunitySettings:
    """One community's values, section by section: `settings.of(RecognitionSettings).kudos_points`."""

    def __init__(self, sections: Mapping[type[Section], Section]) -> None:
        self._sections = dict(sections)
        self.basics = self.of(CommunityBasics)

    def of(self, section: type[S]) -> S:
        value = self._sections.get(section)
        if not isinstance(value, section):
            raise KeyError(f"the settings section {section.__name__} is not declared by any loaded cog")
        return value

    def has(self, key: str) -> bool:
        return any(key in type(section).model_fields for section in self._sections.values())

    def value(self, key: str) -> object:
        """A value by its key, for a feature that shows another feature's setting (when it is loaded)."""
        for section in self._sections.values():
            if key in type(section).model_fields:
                return getattr(section, key)
        raise KeyError(key)

    def describe(self, key: str) -> str:
        for section in self._sections.values():
            if key in type(section).model_fields and (shown := section.shown(key)) is not None:
                return shown
        value = self.value(key)
        if isinstance(value, timedelta):
            return format_duration(value) if value else "off"
        if isinstance(value, bool):
            return "yes" if value else "no"
        if value == "":
            return "none"  # an empty list setting (`value_tags`, `level_roles`); a blank read as a slip
        return "not set" if value is None else str(value)

    @property
    def timezone(self) -> str:
        return self.basics.timezone

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.basics.timezone)

    def day_start(self, now: datetime) -> datetime:
        """Midnight of `now`'s day in the community's time zone (daily allowances reset then)."""
        return datetime.combine(now.astimezone(self.zone()).date(), time(0), tzinfo=self.zone())


def plain_reason(problem: Mapping[str, Any]) -> str:
    """Why a value was refused, in words a member reads (never pydantic's "Input should be ...")."""
    context = problem.get("ctx") or {}

    def shown(bound: object) -> str:
        if isinstance(bound, timedelta):
            return format_duration(bound)
        return f"{bound:,}" if isinstance(bound, int) and not isinstance(bound, bool) else str(bound)

    kind = str(problem.get("type", ""))
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return "a whole number is expected"
    if kind in {"float_parsing", "float_type"}:
        return "a number is expected"
    if kind in {"bool_parsing", "bool_type"}:
        return "answer yes or no"
    if kind in {"greater_than_equal", "greater_than"}:
        return f"it can be no less than {shown(context.get('ge', context.get('gt')))}"
    if kind in {"less_than_equal", "less_than"}:
        return f"it can be at most {shown(context.get('le', context.get('lt')))}"
    if kind == "literal_error":
        expected = str(context.get("expected", "")).replace("'", "")
        return f"choose one of {expected}"
    if kind in {"string_too_long"}:
        return f"it can be at most {context.get('max_length')} characters long"
    if kind in {"string_too_short"}:
        minimum = context.get("min_length")
        return "it cannot be empty" if minimum == 1 else f"it needs at least {minimum} characters"
    if kind in {"time_delta_parsing", "time_delta_type"}:
        return "write a duration like 90s, 15m, 5 minutes, 3h, 2d or 1w"
    message = str(problem.get("msg", "")).removeprefix("Value error, ")
    return "that value cannot be used" if message.startswith("Input should") else message


# pydantic's refusals of a value beyond a setting's bounds.
_OUT_OF_BOUNDS = frozenset({"greater_than_equal", "greater_than", "less_than_equal", "less_than"})


class SettingsCatalog:
    """The declared sections: every key, how to validate, store and read it back."""

    def __init__(self, sections: Iterable[type[Section]] = (CommunityBasics,)) -> None:
        self._sections: list[type[Section]] = []
        self._owner: dict[str, type[Section]] = {}
        for section in sections:
            self.add(section)

    def add(self, section: type[Section]) -> None:
        if section in self._sections:
            raise ValueError(f"the settings section {section.__name__} is declared twice")
        for key in section.model_fields:
            if key in self._owner:
                raise ValueError(
                    f"the setting `{key}` is declared by both {self._owner[key].__name__} and {section.__name__}"
                )
        self._sections.append(section)
        self._owner.update(dict.fromkeys(section.model_fields, section))

    def keys(self, tuned_with: str | None = None) -> tuple[str, ...]:
        """Every key in declaration order; with `tuned_with`, those a command group offers too."""
        return tuple(
            key
            for section in self._sections
            if tuned_with is None or section.tuned_with == tuned_with
            for key in section.model_fields
        )

    def channel_keys(self) -> tuple[str, ...]:
        return tuple(key for key in self.keys() if key.endswith("_channel"))

    def clearable(self, key: str) -> bool:
        """A text setting its section allows empty (a list such as `value_tags`), which `none` clears."""
        section = self._owner.get(key)
        if section is None or not _is_text(section, key):
            return False
        try:
            self.validate(key, "none")
        except SettingError:
            return False
        return True

    def remark(self, settings: CommunitySettings, key: str) -> str | None:
        """What `key`'s section says about its value in `settings` (`Section.remark`)."""
        return settings.of(self._owner[key]).remark(key)

    def validate(self, key: str, raw: str) -> object:
        """Check one `/config set` value; returns the typed value or raises SettingError."""
        section = self._owner.get(key)
        if section is None:
            raise SettingError(f"There is no setting called `{key}`. Settings: {', '.join(self.keys())}.")
        value: object = None if key.endswith("_channel") and raw.lower() in {"none", "off", ""} else raw
        if _is_text(section, key) and raw.strip().lower() in {"none", ""}:
            # `none` is the empty value of every text setting, as `/config show` shows an empty one, so a list
            # setting never holds an item called "none"; whether it may be empty is its validator's to say.
            value = ""
        try:
            checked = section.model_validate({key: value})
        except ValidationError as error:
            problem = error.errors()[0]
            # Out of bounds, a number alone may have meant another unit: the bound is said with its unit.
            note = self.unit_note(key, raw) if problem["type"] in _OUT_OF_BOUNDS else ""
            # A long list value is named by its start and length, not echoed whole.
            quoted = f"`{raw}`" if len(raw) <= 60 else f"`{raw[:40]}…` ({len(raw):,} characters)"
            raise SettingError(f"{quoted} is not a valid value for `{key}`: {plain_reason(problem)}{note}.") from None
        return getattr(checked, key)

    def unit_note(self, key: str, raw: str) -> str:
        """A word on a duration typed as a number alone, read as seconds (as it always was), for a reply about it:
        `5` may have meant minutes, and `/config set removal_grace 48` refused as "no less than 1 hour" reads
        as nonsense unless the reply says 48 was seconds. Nothing for 0, which is off (or nothing) in any unit."""
        section = self._owner.get(key)
        if section is None or not _is_duration(section, key) or not is_bare_number(raw) or not int(raw.strip()):
            return ""
        return f" (a number alone is seconds: write `{int(raw.strip())}m` for minutes)"

    @staticmethod
    def encode(value: object) -> str:
        """The stored text of a typed value (durations as seconds, so they round-trip exactly)."""
        if isinstance(value, timedelta):
            return str(int(value.total_seconds()))
        return "" if value is None else str(value)

    def decode(self, stored: Mapping[str, str]) -> CommunitySettings:
        """Typed settings from stored rows; keys no loaded section declares (a newer version, a cog left
        out of HEARTH_COGS) are ignored."""
        known: dict[type[Section], dict[str, Any]] = {section: {} for section in self._sections}
        for key, text in stored.items():
            section = self._owner.get(key)
            if section is None:
                continue
            if _is_duration(section, key):
                known[section][key] = timedelta(seconds=int(text))
            elif key.endswith("_channel"):
                known[section][key] = text or None
            else:
                known[section][key] = text
        return CommunitySettings(
            {section: section.model_validate(values, context=STORED) for section, values in known.items()}
        )
