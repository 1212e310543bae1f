"""Every kind of contribution the ledger records (the `contribution.kind` column), in one place."""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    MESSAGE = "message"
    KUDOS_RECEIVED = "kudos_received"
    KUDOS_GIVEN = "kudos_given"
    INTRO = "intro"
    INTRO_WELCOME = "intro_welcome"
    ONBOARDING_STEP = "onboarding_step"
    WELCOMER_COMPLETED = "welcomer_completed"
    RITUAL_PARTICIPATION = "ritual_participation"
    RITUAL_PAIRING_MET = "ritual_pairing_met"
    # A kudos or a message's activity point taken back (reaction removed within the grace period, message
    # deleted): a new row with the opposite points, never an edit.
    KUDOS_VOID = "kudos_void"
    MESSAGE_VOID = "message_void"
    # The giver's side of a kudos_void: their `kudos_given` count goes back down (0 points, as giving has).
    KUDOS_GIVEN_VOID = "kudos_given_void"
    # Admin tools, each a row (never an edit): points added or taken with a reason; a member's giving stopped
    # and allowed again (0 points, the reason and who).
    ADJUSTMENT = "adjustment"
    GIVING_LOCKED = "giving_locked"
    GIVING_UNLOCKED = "giving_unlocked"
