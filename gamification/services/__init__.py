"""Writes of the gamification app: the points ledger (``ledger``) and kudos."""

from .kudos import kudos_give
from .ledger import points_apply, points_rebuild
from .preferences import leaderboards_switch, points_preference_set

__all__ = ["kudos_give", "leaderboards_switch", "points_apply", "points_preference_set", "points_rebuild"]
