"""Peer review cases in the facilitators' moderation queue: open regrade requests
and expert checkpoints, each with the reviews attached side by side.

Scores (see discussions/moderation_queue.py for the rest of the scale): a regrade
request is a learner waiting on a person, 55 + 2 per full day waited (at most + 10),
so it sits just above a thread whose deliverables are overdue; a checkpoint is a
grade held back, 35 + 2 per full day (at most + 10). Both go to the facilitators of
the cohort and HR admins, never to learner moderators. Four queries however many
cases: the cases, their reviews with scores, and the criteria of their rubrics.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.urls import reverse
from django.utils.timesince import timesince

from discussions.moderation_queue import QueueItem, register_source

from .models import CaseState, Checkpoint, Criterion, Dispute, Review

REGRADE_REQUEST, CHECKPOINT = "regrade_request", "expert_checkpoint"
REGRADE_BASE, CHECKPOINT_BASE, PER_DAY, MAX_EXTRA = 55, 35, 2, 10


def _score(base: int, since: dt.datetime, now: dt.datetime) -> int:
    return base + min(PER_DAY * int((now - since) / dt.timedelta(days=1)), MAX_EXTRA)


def _reviews_attached(submissions) -> dict[int, dict]:
    """Per submission: the rubric's criteria and each peer review's levels, side by side."""
    if not submissions:
        return {}
    reviews = defaultdict(list)
    for review in (
        Review.objects.filter(submission_id__in=[s.pk for s in submissions], is_self=False)
        .select_related("reviewer")
        .prefetch_related("scores")
        .order_by("submitted_at", "pk")
    ):
        reviews[review.submission_id].append(review)
    rubric_ids = {s.assignment.rubric_id for s in submissions}
    criteria = defaultdict(list)
    for criterion in Criterion.objects.filter(rubric_id__in=rubric_ids).prefetch_related("levels"):
        criteria[criterion.rubric_id].append(criterion)
    attached = {}
    for submission in submissions:
        anonymous = submission.assignment.anonymous_reviews
        columns = reviews[submission.pk]
        rows = []
        for criterion in criteria[submission.assignment.rubric_id]:
            levels = list(criterion.levels.all())
            cells = []
            for review in columns:
                level = next((s.level for s in review.scores.all() if s.criterion_id == criterion.pk), None)
                cells.append(f"{level + 1} of {len(levels)}" if level is not None else "no level")
            rows.append({"criterion": criterion.title, "cells": cells})
        attached[submission.pk] = {
            "reviewers": [
                f"Reviewer {n}" if anonymous else review.reviewer.display_name
                for n, review in enumerate(columns, start=1)
            ],
            "rows": rows,
            "comments": [review.comment for review in columns],
        }
    return attached


def queue_items(cohort_ids: list[int], now: dt.datetime) -> list[QueueItem]:
    related = ("submission__author", "submission__assignment__cohort")
    disputes = list(
        Dispute.objects.filter(
            state=CaseState.OPEN, submission__assignment__cohort_id__in=cohort_ids
        ).select_related(*related)
    )
    checkpoints = list(
        Checkpoint.objects.filter(
            state=CaseState.OPEN, submission__assignment__cohort_id__in=cohort_ids
        ).select_related(*related)
    )
    attached = _reviews_attached([case.submission for case in [*disputes, *checkpoints]])
    items = []
    for dispute in disputes:
        submission = dispute.submission
        count = len(attached[submission.pk]["reviewers"])
        items.append(
            QueueItem(
                reason=REGRADE_REQUEST,
                score=_score(REGRADE_BASE, dispute.created_at, now),
                text=(
                    f"{submission.author.display_name} asks for a regrade of "
                    f"\u201c{submission.assignment.title}\u201d "
                    f"({timesince(dispute.created_at, now)} ago): \u201c{dispute.reason[:300]}\u201d "
                    f"{count} review{'s' if count != 1 else ''} attached."
                ),
                since=dispute.created_at,
                cohort=submission.assignment.cohort,
                case_key=f"dispute-{dispute.pk}",
                url=reverse("peer_review:dispute_answer", args=[dispute.pk]),
                detail_template="peer_review/queue_case.html",
                detail={"action": "Answer the request", **attached[submission.pk]},
            )
        )
    for checkpoint in checkpoints:
        submission = checkpoint.submission
        items.append(
            QueueItem(
                reason=CHECKPOINT,
                score=_score(CHECKPOINT_BASE, checkpoint.created_at, now),
                text=(
                    f"\u201c{submission.assignment.title}\u201d by {submission.author.display_name} needs an "
                    f"expert's grade: {checkpoint.reason}"
                ),
                since=checkpoint.created_at,
                cohort=submission.assignment.cohort,
                case_key=f"checkpoint-{checkpoint.pk}",
                url=reverse("peer_review:checkpoint", args=[checkpoint.pk]),
                detail_template="peer_review/queue_case.html",
                detail={"action": "Set the grade", **attached[submission.pk]},
            )
        )
    return items


def register() -> None:
    register_source(
        "peer_review", {REGRADE_REQUEST: "Regrade request", CHECKPOINT: "Expert checkpoint"}, queue_items
    )
