"""A learner's points preferences and a cohort's leaderboard switch."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from core import audit
from core.policy import require

from ..models import CohortPointsSettings, PointsPreference


@transaction.atomic
def points_preference_set(*, actor, hide_from_leaderboards: bool) -> PointsPreference:
    """Leave (or rejoin) every leaderboard: hidden learners neither appear nor see ranks."""
    preference, _ = PointsPreference.objects.select_for_update().get_or_create(user=actor)
    if preference.hide_from_leaderboards != hide_from_leaderboards:
        audit.record(actor=actor, action="points.leaderboard_preference", target=actor,
                     organization=actor.organization,
                     changes={"hide_from_leaderboards": [preference.hide_from_leaderboards,
                                                         hide_from_leaderboards]})
        preference.hide_from_leaderboards = hide_from_leaderboards
        preference.updated_at = timezone.now()
        preference.save(update_fields=["hide_from_leaderboards", "updated_at"])
    return preference


@transaction.atomic
def leaderboards_switch(*, actor, cohort, enabled: bool) -> CohortPointsSettings:
    """Turn a cohort's leaderboards on or off (those who run the cohort)."""
    require(actor, "cohort.manage", cohort)
    settings, _ = CohortPointsSettings.objects.select_for_update().get_or_create(cohort=cohort)
    if settings.leaderboards_enabled != enabled:
        audit.record(actor=actor, action="points.leaderboards", target=cohort,
                     organization=cohort.organization,
                     changes={"leaderboards_enabled": [settings.leaderboards_enabled, enabled]})
        settings.leaderboards_enabled = enabled
        settings.updated_at = timezone.now()
        settings.save(update_fields=["leaderboards_enabled", "updated_at"])
    return settings
