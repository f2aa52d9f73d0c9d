"""Event consumers of the nudges app.

`nudges.obligations` keeps the read model the triggers are evaluated on: when each
member was last active and first contributed, what they owe (reviews, answers to
their questions, a session they missed) and what they have done (calibrations,
micro-tasks). Each event is applied once (core.events records it), so counting
down pending reviews is safe against redelivery.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import F
from django.urls import reverse

from core.events import consumer
from core.models import Event

from .models import Activity, CohortTask, Obligation, ObligationKind

CONTRIBUTIONS = frozenset({"post_created", "reply_created", "submission_created", "review_submitted",
                           "microtask_completed"})
# What a member does that counts as being active in a cohort.
ACTIVITY = CONTRIBUTIONS | {"post_edited", "post_endorsed", "top_take_nominated", "submission_revised",
                            "calibration_completed", "usefulness_rated", "kudos_given", "rsvp_changed",
                            "dispute_opened"}
# What opens or closes an obligation.
OBLIGATIONS = {"review_allocated", "review_reallocated", "assignment_published", "post_deleted",
               "post_hidden", "attendance_recorded"}


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _touch_activity(event: Event) -> None:
    if event.cohort_id is None or event.actor_id is None:
        return
    contributed = event.verb in CONTRIBUTIONS
    row, created = Activity.objects.get_or_create(
        cohort_id=event.cohort_id, user_id=event.actor_id,
        defaults={"last_active_at": event.occurred_at,
                  "first_contribution_at": event.occurred_at if contributed else None},
    )
    if created:
        return
    changed = []
    if event.occurred_at > row.last_active_at:
        row.last_active_at = event.occurred_at
        changed.append("last_active_at")
    if contributed and (row.first_contribution_at is None or event.occurred_at < row.first_contribution_at):
        row.first_contribution_at = event.occurred_at
        changed.append("first_contribution_at")
    if changed:
        row.save(update_fields=changed)


def _mark_done(event: Event, *, user_id: int, kind: str, key: str, **defaults) -> None:
    Obligation.objects.update_or_create(
        user_id=user_id, kind=kind, key=key,
        defaults={"done_at": event.occurred_at, "pending": 0},
        create_defaults={"cohort_id": event.cohort_id, "opened_at": event.occurred_at,
                         "done_at": event.occurred_at, "pending": 0, **defaults},
    )


def _reviews_done(event: Event, reviewer_id: int, assignment_id: int, count: int = 1) -> None:
    """Count down the reviewer's open review obligations on the assignment, oldest first."""
    open_rows = Obligation.objects.filter(user_id=reviewer_id, kind=ObligationKind.REVIEW,
                                          key__startswith=f"assignment:{assignment_id}:",
                                          done_at__isnull=True).order_by("opened_at", "id")
    for row in open_rows:
        if count <= 0:
            break
        taken = min(count, row.pending)
        count -= taken
        row.pending -= taken
        if row.pending == 0:
            row.done_at = event.occurred_at
        row.save(update_fields=["pending", "done_at"])


def _apply(event: Event) -> None:
    payload = event.payload or {}
    verb = event.verb
    if verb == "review_allocated":
        assignment_id = payload["assignment_id"]
        key = f"assignment:{assignment_id}:round:{payload.get('round', 1)}"
        pending = len(payload.get("allocation_ids") or [1])
        row, created = Obligation.objects.get_or_create(
            user_id=payload["reviewer_id"], kind=ObligationKind.REVIEW, key=key,
            defaults={"cohort_id": event.cohort_id, "pending": pending,
                      "due_at": _when(payload.get("due_at")),
                      "opened_at": event.occurred_at, "title": "your peer reviews",
                      "link": reverse("peer_review:assignment", args=[assignment_id])},
        )
        if not created:
            Obligation.objects.filter(pk=row.pk).update(pending=F("pending") + pending, done_at=None)
    elif verb == "review_submitted":
        if not payload.get("is_self") and payload.get("assignment_id"):
            _reviews_done(event, payload["reviewer_id"], payload["assignment_id"])
    elif verb == "review_reallocated":
        if payload.get("assignment_id"):
            _reviews_done(event, payload["from_reviewer_id"], payload["assignment_id"])
    elif verb == "assignment_published":
        if payload.get("calibration_examples"):
            assignment_id = payload["assignment_id"]
            CohortTask.objects.get_or_create(
                cohort_id=event.cohort_id, kind=ObligationKind.CALIBRATION, key=f"assignment:{assignment_id}",
                defaults={"title": f"calibration for {payload.get('title') or 'the assignment'}",
                          "link": reverse("peer_review:calibrate", args=[assignment_id]),
                          "due_at": _when(payload.get("submission_due_at")),
                          "opened_at": event.occurred_at},
            )
    elif verb == "calibration_completed":
        _mark_done(event, user_id=payload["learner_id"], kind=ObligationKind.CALIBRATION,
                   key=f"assignment:{payload['assignment_id']}")
    elif verb == "microtask_completed":
        _mark_done(event, user_id=payload["user_id"], kind=ObligationKind.MICROTASK,
                   key=f"step:{payload['step_id']}")
    elif verb == "post_created":
        if payload.get("question"):
            Obligation.objects.get_or_create(
                user_id=payload["author_id"], kind=ObligationKind.QUESTION, key=f"post:{payload['post_id']}",
                defaults={"cohort_id": event.cohort_id, "opened_at": event.occurred_at,
                          "title": "your question",
                          "link": reverse("discussions:post", args=[payload["post_id"]])},
            )
    elif verb == "reply_created":
        Obligation.objects.filter(kind=ObligationKind.QUESTION, key=f"post:{payload.get('parent_id')}",
                                  done_at__isnull=True).exclude(user_id=payload.get("author_id")).update(
            done_at=event.occurred_at, pending=0)
    elif verb in ("post_deleted", "post_hidden"):
        Obligation.objects.filter(kind=ObligationKind.QUESTION, key=f"post:{payload.get('post_id')}",
                                  done_at__isnull=True).update(done_at=event.occurred_at, pending=0)
    elif verb == "attendance_recorded":
        key = f"session:{payload['touchpoint_id']}"
        for user_id in payload.get("no_show_ids", []):
            Obligation.objects.update_or_create(
                user_id=user_id, kind=ObligationKind.NO_SHOW, key=key,
                defaults={"done_at": None, "pending": 1},
                create_defaults={"cohort_id": event.cohort_id, "opened_at": event.occurred_at,
                                 "title": payload.get("title", "the live session"),
                                 "link": payload.get("url", "")},
            )
        # Re-recorded attendance: someone marked absent by mistake owes nothing.
        Obligation.objects.filter(kind=ObligationKind.NO_SHOW, key=key,
                                  user_id__in=payload.get("attended_ids", [])).update(
            done_at=event.occurred_at, pending=0)


@consumer("nudges.obligations", verbs=sorted(ACTIVITY | OBLIGATIONS))
def keep_obligations(event: Event) -> None:
    if event.verb in ACTIVITY:
        _touch_activity(event)
    _apply(event)


