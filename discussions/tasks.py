"""Celery tasks of the discussions app. Thin: they call a service."""

from celery import shared_task

from core.tasks import TASK_OPTIONS

from .services import moderators_rotate


# Beat runs this hourly: every cohort turns its week at its own local Monday
# midnight, and the service is idempotent per cohort and week, so extra or
# retried runs change nothing.
@shared_task(name="discussions.rotate_learner_moderators", **TASK_OPTIONS)
def rotate_learner_moderators_task() -> list[int]:
    """Rotate the learner moderator of every cohort whose week has turned; returns the
    new moderators' membership ids."""
    return [membership.pk for membership in moderators_rotate()]
