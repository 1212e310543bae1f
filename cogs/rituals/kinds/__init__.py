"""Ritual kinds, one file each, behind one interface (`RitualKind`)."""

from __future__ import annotations

from bot.core.services import Services
from cogs.rituals.kinds.base import Firing, Places, Posted, RitualKind
from cogs.rituals.kinds.celebration import CelebrationKind
from cogs.rituals.kinds.pairing import PairingKind
from cogs.rituals.kinds.prompt import PromptKind
from cogs.rituals.kinds.spotlight import SpotlightKind
from cogs.rituals.kinds.thread import ThreadKind

__all__ = ["KINDS", "TAKEN_PART_IN", "Firing", "Places", "Posted", "RitualKind", "all_kinds"]

_KINDS: tuple[type[RitualKind], ...] = (PromptKind, ThreadKind, PairingKind, SpotlightKind, CelebrationKind)
# The names a ritual stores, in the order `/ritual create kind:` offers them.
KINDS = tuple(kind.name for kind in _KINDS)
# The kinds whose runs members take part in (`RitualKind.asks_to_take_part`).
TAKEN_PART_IN = frozenset(kind.name for kind in _KINDS if kind.asks_to_take_part)


def all_kinds(services: Services, places: Places) -> dict[str, RitualKind]:
    return {kind.name: kind(services, places) for kind in _KINDS}
