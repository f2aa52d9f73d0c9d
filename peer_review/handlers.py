"""Event consumers of the peer review app: the in-app notifications that tell a
reviewer they have work and an author that their grade or regrade answer is in."""

from django.urls import reverse

from core.events import consumer
from core.models import Notification

from .events import PeerReviewVerb


def _notify(event, user_id: int, kind: str, title: str, url: str, body: str = "") -> None:
    # The unique (user, event, kind) key makes a redelivered event harmless.
    Notification.objects.bulk_create(
        [
            Notification(
                user_id=user_id,
                organization_id=event.organization_id,
                kind=kind,
                title=title[:200],
                body=body[:500],
                url=url,
                source_event=event,
            )
        ],
        ignore_conflicts=True,
    )


@consumer(
    "peer_review.notifications",
    verbs=[PeerReviewVerb.REVIEW_ALLOCATED, PeerReviewVerb.GRADE_FINALISED, PeerReviewVerb.DISPUTE_RESOLVED],
)
def notify_people(event) -> None:
    payload = event.payload
    if event.verb == PeerReviewVerb.REVIEW_ALLOCATED:
        allocations = [
            pk
            for pk, author in zip(payload["allocation_ids"], payload["author_ids"], strict=True)
            if author != payload["reviewer_id"]
        ]
        if not allocations:
            return  # only the self-assessment, which the assignment page offers
        count = len(allocations)
        title = f"You have {count} peer review{'s' if count > 1 else ''} to do" + (
            " (handed over from another reviewer)" if payload.get("reallocated") else ""
        )
        url = (
            reverse("peer_review:review", args=[allocations[0]])
            if count == 1
            else reverse("peer_review:assignment", args=[payload["assignment_id"]]) + "#reviews"
        )
        _notify(event, payload["reviewer_id"], "review_allocated", title, url)
    elif event.verb == PeerReviewVerb.GRADE_FINALISED:
        _notify(
            event,
            payload["author_id"],
            "grade_finalised",
            "Your peer-reviewed grade is ready",
            reverse("peer_review:assignment", args=[payload["assignment_id"]]) + "#grade",
            f"{payload['percentage']:.0f}%",
        )
    elif event.verb == PeerReviewVerb.DISPUTE_RESOLVED:
        outcome = "Your grade was changed" if payload.get("outcome") == "regraded" else "Your grade stands"
        _notify(
            event,
            payload["author_id"],
            "dispute_resolved",
            f"Regrade request answered: {outcome}",
            reverse("peer_review:assignment", args=[payload["assignment_id"]]) + "#grade",
        )
