"""Writes of the gamification app: the points ledger (``ledger``), badges and kudos."""

from .badges import badge_revoke, badges_apply, signing_key
from .kudos import kudos_give
from .ledger import points_apply
from .preferences import leaderboards_switch, points_preference_set
from .rebuild import gamification_rebuild

__all__ = ["badge_revoke", "badges_apply", "gamification_rebuild", "kudos_give", "leaderboards_switch",
           "points_apply", "points_preference_set", "signing_key"]
