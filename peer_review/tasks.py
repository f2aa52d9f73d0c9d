"""Celery tasks of the peer review app. Thin: they call a service. Each is safe to
run twice or at once on two workers: the services lock the assignment row and only
make what is missing ((submission, reviewer) is a unique key)."""

from celery import shared_task
from django.utils import timezone

from core.tasks import TASK_OPTIONS

from .models import Assignment, AssignmentState
from .services import reviews_allocate, reviews_close, reviews_reallocate_overdue


@shared_task(name="peer_review.allocate_assignment", **TASK_OPTIONS)
def allocate_assignment_task(assignment_id: int) -> int:
    """Give reviewers to an assignment's submissions (the first round, or late work)."""
    return reviews_allocate(assignment_id)


# Beat runs this every five minutes: allocation when submissions close, handing
# overdue reviews to someone else, and grading what is left when reviews close.
@shared_task(name="peer_review.advance_assignments", **TASK_OPTIONS)
def advance_assignments_task() -> dict[str, int]:
    """Move every open assignment along its timeline; returns what it did."""
    now = timezone.now()
    done = {"allocated": 0, "reallocated": 0, "graded": 0}
    open_assignments = Assignment.objects.filter(
        state=AssignmentState.PUBLISHED,
        reviews_closed_at__isnull=True,
        submission_due_at__lte=now,
    ).values_list("pk", "review_due_at")
    for assignment_id, review_due_at in open_assignments:
        if review_due_at <= now:
            done["graded"] += reviews_close(assignment_id, now=now)
            continue
        done["allocated"] += reviews_allocate(assignment_id, now=now)
        done["reallocated"] += reviews_reallocate_overdue(assignment_id, now=now)
    return done
