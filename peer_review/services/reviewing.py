"""Writes for reviewing: calibration attempts, allocating reviews, moving overdue
ones to someone else, submitting reviews and rating their usefulness, and each
reviewer's record and weight.

Weights. The weight of a reviewer's levels in an assignment comes from
``grading.reviewer_score`` over their evidence so far: agreement with the final
grades of their reviews in the organisation's other assignments (each review
counting once, judged against the other reviewers' levels or the expert's), their
calibration accuracy here (or, before they calibrate, in earlier assignments) and
the usefulness ratings their reviews received. It is set when they are allocated
work and again when they finish calibrating, and stored on their
``ReviewerRecord`` for this assignment.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, Max
from django.utils import timezone

from cohorts.models import CohortMembership
from core import audit
from core.bulk import insert_rows
from core.errors import PermissionDenied, invalid
from core.events import emit, emit_many
from core.policy import require

from .. import allocation as allocation_rules
from ..calibration import calibration_accuracy, level_agreement, mean_calibration_accuracy
from ..events import PeerReviewVerb
from ..grading import ReviewScore as PeerLevel
from ..grading import reference_without, reviewer_score, reviewer_weight
from ..models import (
    AllocationState,
    Assignment,
    AssignmentState,
    CalibrationAttempt,
    CalibrationExample,
    Criterion,
    CriterionGrade,
    GradeState,
    Review,
    ReviewAllocation,
    ReviewerRecord,
    ReviewScore,
    Submission,
    UsefulnessRating,
)
from ..rules import PARTICIPANT_ROLES
from ._common import level_errors
from .assignments import assignment_changed

MAX_COMMENT_CHARS = 5000


# --- reviewer records and weights ------------------------------------------------


def _past_evidence(assignment: Assignment, reviewer_ids) -> dict[int, dict]:
    """Per reviewer: agreement and calibration in the organisation's other assignments
    and the usefulness ratings their reviews there received."""
    evidence: dict[int, dict] = defaultdict(lambda: {"agreement": [], "calibration": [], "ratings": []})
    records = (
        ReviewerRecord.objects.filter(
            reviewer_id__in=reviewer_ids,
            assignment__cohort__organization_id=assignment.cohort.organization_id,
        )
        .exclude(assignment=assignment)
        .values_list("reviewer_id", "agreement", "reviews_done", "calibration_accuracy")
    )
    for reviewer_id, agreement, reviews_done, calibration in records:
        if agreement is not None and reviews_done:
            evidence[reviewer_id]["agreement"].append((agreement, reviews_done))
        if calibration is not None:
            evidence[reviewer_id]["calibration"].append(calibration)
    ratings = (
        UsefulnessRating.objects.filter(
            review__reviewer_id__in=reviewer_ids,
            review__submission__assignment__cohort__organization_id=assignment.cohort.organization_id,
        )
        .exclude(review__submission__assignment=assignment)
        .values_list("review__reviewer_id", "rating")
    )
    for reviewer_id, rating in ratings:
        evidence[reviewer_id]["ratings"].append(rating)
    return evidence


def _weights(
    assignment: Assignment, reviewer_ids, calibration_here: dict[int, float | None]
) -> dict[int, float]:
    evidence = _past_evidence(assignment, reviewer_ids)
    weights = {}
    for reviewer_id in reviewer_ids:
        past = evidence.get(reviewer_id) or {"agreement": [], "calibration": [], "ratings": []}
        agreement = None
        if past["agreement"]:
            total = sum(count for _, count in past["agreement"])
            agreement = sum(value * count for value, count in past["agreement"]) / total
        calibration = calibration_here.get(reviewer_id)
        if calibration is None:
            calibration = mean_calibration_accuracy(past["calibration"])
        weights[reviewer_id] = reviewer_weight(reviewer_score(agreement, calibration, past["ratings"]))
    return weights


def _ensure_records(assignment: Assignment, reviewer_ids) -> None:
    """A record (with its weight) for every reviewer who has none yet."""
    have = set(
        _among(ReviewerRecord.objects.filter(assignment=assignment), "reviewer_id", reviewer_ids).values_list(
            "reviewer_id", flat=True
        )
    )
    missing = [pk for pk in reviewer_ids if pk not in have]
    if not missing:
        return
    weights = _weights(assignment, missing, {})
    insert_rows(
        ReviewerRecord,
        ({"assignment_id": assignment.pk, "reviewer_id": pk, "weight": weights[pk]} for pk in missing),
        ignore_conflicts=True,
    )


def records_refresh(assignment: Assignment, reviewer_ids) -> None:
    """Recompute what a reviewer's record says about this assignment: agreement with the
    final grades of the submissions they reviewed (each judged against the grade the
    other reviewers and any expert gave, see ``grading.reference_without``), usefulness
    ratings, reviewing score."""
    reviewer_ids = list(set(reviewer_ids))
    if not reviewer_ids:
        return
    criteria = Criterion.objects.filter(rubric_id=assignment.rubric_id).annotate(n=Count("levels"))
    levels_per = dict(criteria.values_list("pk", "n"))
    wanted = set(reviewer_ids)
    reviewed: dict[int, set[int]] = defaultdict(set)
    for reviewer_id, submission_id in _among(
        Review.objects.filter(submission__assignment=assignment, is_self=False), "reviewer_id", wanted
    ).values_list("reviewer_id", "submission_id"):
        if reviewer_id in wanted:
            reviewed[reviewer_id].add(submission_id)
    submission_ids = set().union(*reviewed.values()) if reviewed else set()
    finals: dict[int, dict[int, float]] = defaultdict(dict)
    overridden: dict[int, set[int]] = defaultdict(set)
    for submission_id, criterion_id, level, peer_level, reason in _among(
        CriterionGrade.objects.filter(
            grade__submission__assignment=assignment, grade__state=GradeState.FINAL
        ),
        "grade__submission_id",
        submission_ids,
    ).values_list("grade__submission_id", "criterion_id", "level", "peer_level", "override_reason"):
        if submission_id not in submission_ids:
            continue
        finals[submission_id][criterion_id] = level
        if reason or peer_level is None or peer_level != level:
            overridden[submission_id].add(criterion_id)
    # Every peer's levels on the graded submissions, not only the refreshed reviewers':
    # each reviewer is judged against the others.
    scores: dict[int, dict[int, list[PeerLevel]]] = defaultdict(lambda: defaultdict(list))
    for submission_id, reviewer_id, criterion_id, level in _among(
        ReviewScore.objects.filter(review__submission__assignment=assignment, review__is_self=False),
        "review__submission_id",
        finals,
    ).values_list("review__submission_id", "review__reviewer_id", "criterion_id", "level"):
        if submission_id in finals:
            scores[submission_id][criterion_id].append(PeerLevel(reviewer_id, level))
    peers = {s.reviewer_id for by in scores.values() for c in by.values() for s in c}
    weights = dict(
        _among(ReviewerRecord.objects.filter(assignment=assignment), "reviewer_id", peers).values_list(
            "reviewer_id", "weight"
        )
    )
    agreements: dict[int, list[float]] = defaultdict(list)
    done: dict[int, int] = defaultdict(int)
    for reviewer_id, submissions in reviewed.items():
        done[reviewer_id] = len(submissions)
        for submission_id in submissions:
            if submission_id not in finals:
                continue
            by_criterion = scores[submission_id]
            own = {
                c: s.level for c, given in by_criterion.items() for s in given if s.reviewer_id == reviewer_id
            }
            reference = reference_without(
                reviewer_id, by_criterion, weights, finals[submission_id], overridden[submission_id]
            )
            reference = {c: level for c, level in reference.items() if c in own}
            if reference:
                agreements[reviewer_id].append(level_agreement(own, reference, levels_per))
    ratings: dict[int, list[int]] = defaultdict(list)
    for reviewer_id, rating in _among(
        UsefulnessRating.objects.filter(review__submission__assignment=assignment),
        "review__reviewer_id",
        wanted,
    ).values_list("review__reviewer_id", "rating"):
        if reviewer_id in wanted:
            ratings[reviewer_id].append(rating)
    _ensure_records(assignment, reviewer_ids)
    records = []
    for pk, reviewer_id, calibration in _among(
        ReviewerRecord.objects.filter(assignment=assignment), "reviewer_id", wanted
    ).values_list("pk", "reviewer_id", "calibration_accuracy"):
        if reviewer_id not in wanted:
            continue
        values = agreements.get(reviewer_id)
        agreement = sum(values) / len(values) if values else None
        rated = ratings.get(reviewer_id, [])
        has_evidence = agreement is not None or calibration is not None or rated
        records.append(_RecordUpdate(
            pk=pk,
            agreement=agreement,
            reviews_done=done.get(reviewer_id, 0),
            usefulness=sum(rated) / len(rated) if rated else None,
            ratings=len(rated),
            score=reviewer_score(agreement, calibration, rated) if has_evidence else None,
        ))
    _update_records(records)


# Above this many ids, a query reads the assignment's rows and the caller keeps the
# wanted ones: an IN list of thousands costs more to build and run than it saves.
_IN_LIST_LIMIT = 500


def _among(queryset, field: str, ids):
    """`queryset` narrowed to `field` in `ids` when that is a short list; otherwise as
    it is, and the caller skips the rows it does not want."""
    return queryset.filter(**{f"{field}__in": list(ids)}) if len(ids) <= _IN_LIST_LIMIT else queryset


@dataclass(frozen=True)
class _RecordUpdate:
    pk: int
    agreement: float | None
    reviews_done: int
    usefulness: float | None
    ratings: int
    score: float | None


def _update_records(records: list[_RecordUpdate]) -> None:
    """One parameterised UPDATE run for every record: bulk_update's CASE expressions
    cost milliseconds per row to build, which is seconds for a cohort of thousands."""
    if not records:
        return
    table = connection.ops.quote_name(ReviewerRecord._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET agreement = %s, reviews_done = %s, usefulness = %s, ratings = %s, "  # noqa: S608 - the table name is ours
            "score = %s WHERE id = %s",
            [(r.agreement, r.reviews_done, r.usefulness, r.ratings, r.score, r.pk) for r in records],
        )


# --- calibration ------------------------------------------------------------------


def calibration_examples_for(assignment: Assignment) -> list[CalibrationExample]:
    """The examples learners calibrate on: the first ``calibration_examples`` in order."""
    if not assignment.calibration_examples:
        return []
    return list(assignment.examples.order_by("order", "pk")[: assignment.calibration_examples])


def calibration_done(assignment: Assignment, learner) -> bool:
    if not assignment.calibration_examples:
        return True
    examples = [example.pk for example in calibration_examples_for(assignment)]
    return CalibrationAttempt.objects.filter(example_id__in=examples, learner=learner).count() >= len(
        examples
    )


@transaction.atomic
def calibration_submit(*, actor, example: CalibrationExample, levels: dict[int, int]) -> CalibrationAttempt:
    """Score a calibration example; the result compares each level with the expert's."""
    assignment = Assignment.objects.select_related("cohort__organization", "rubric").get(
        pk=example.assignment_id
    )
    require(actor, "assignment.participate", assignment)
    if example.pk not in {e.pk for e in calibration_examples_for(assignment)}:
        raise invalid(example="This example is not part of the calibration.")
    if CalibrationAttempt.objects.filter(example=example, learner=actor).exists():
        raise invalid(example="You have already calibrated on this example.")
    criteria = {c.pk: c for c in assignment.rubric.criteria.prefetch_related("levels")}
    if errors := level_errors({pk: (level, "") for pk, level in levels.items()}, criteria):
        raise invalid(levels=" ".join(errors))
    expert = {score.criterion_id: score.level for score in example.expert_scores.all()}
    if set(expert) != set(criteria):
        raise invalid(example="An expert has not scored this example yet.")
    accuracy = calibration_accuracy(levels, expert, {pk: len(c.levels.all()) for pk, c in criteria.items()})
    attempt = CalibrationAttempt.objects.create(
        example=example, learner=actor, levels={str(k): v for k, v in levels.items()}, accuracy=accuracy
    )
    if calibration_done(assignment, actor):
        _calibration_completed(actor, assignment)
    return attempt


def _calibration_completed(actor, assignment: Assignment) -> None:
    examples = [example.pk for example in calibration_examples_for(assignment)]
    accuracies = list(
        CalibrationAttempt.objects.filter(example_id__in=examples, learner=actor).values_list(
            "accuracy", flat=True
        )
    )
    accuracy = mean_calibration_accuracy(accuracies)
    weight = _weights(assignment, [actor.pk], {actor.pk: accuracy})[actor.pk]
    record, _ = ReviewerRecord.objects.get_or_create(
        assignment=assignment, reviewer=actor, defaults={"weight": weight}
    )
    record.calibration_accuracy, record.calibrated_at, record.weight = accuracy, timezone.now(), weight
    record.save(update_fields=["calibration_accuracy", "calibrated_at", "weight"])
    records_refresh(assignment, [actor.pk])
    assignment_changed(assignment.pk)
    cohort = assignment.cohort
    emit(
        PeerReviewVerb.CALIBRATION_COMPLETED,
        organization=cohort.organization,
        actor=actor,
        cohort=cohort,
        subject=assignment,
        payload={
            "assignment_id": assignment.pk,
            "learner_id": actor.pk,
            "accuracy": round(accuracy, 4),
            "examples": len(accuracies),
        },
    )


# --- allocation -----------------------------------------------------------------


def _active_reviewers(assignment: Assignment, authors) -> set[int]:
    """Authors who still take part in the cohort (a learner who left gets no work)."""
    return set(
        CohortMembership.objects.filter(
            cohort_id=assignment.cohort_id,
            user_id__in=authors,
            role__in=PARTICIPANT_ROLES,
            user__is_active=True,
        ).values_list("user_id", flat=True)
    )


def _board(assignment: Assignment):
    """(submissions {id: author}, squads {user: squad}, in force, withdrawn) as the
    allocation module sees them. Self-assessments are not part of it."""
    submissions = dict(Submission.objects.filter(assignment=assignment).values_list("pk", "author_id"))
    squads = dict(
        CohortMembership.objects.filter(cohort_id=assignment.cohort_id, squad__isnull=False).values_list(
            "user_id", "squad_id"
        )
    )
    in_force, withdrawn = [], []
    for reviewer, submission, round_, extra, state in ReviewAllocation.objects.filter(
        assignment=assignment, is_self=False
    ).values_list("reviewer_id", "submission_id", "round", "extra", "state"):
        target = withdrawn if state == AllocationState.WITHDRAWN else in_force
        target.append(allocation_rules.Allocation(reviewer, submission, round_, extra))
    return submissions, squads, in_force, withdrawn


def _emit_allocated(
    assignment: Assignment, rows: list[ReviewAllocation], submissions: dict, verb_payload=None
) -> None:
    """One review_allocated event per reviewer and batch (a round gives each reviewer k
    reviews at once: one event, one notification), listing the allocations."""
    cohort = assignment.cohort
    by_reviewer: dict[int, list[ReviewAllocation]] = defaultdict(list)
    for row in rows:
        by_reviewer[row.reviewer_id].append(row)
    items = []
    for reviewer_id, given in by_reviewer.items():
        items.append(
            (
                assignment,
                {
                    "assignment_id": assignment.pk,
                    "reviewer_id": reviewer_id,
                    "allocation_ids": [row.pk for row in given],
                    "submission_ids": [row.submission_id for row in given],
                    "author_ids": [submissions[row.submission_id] for row in given],
                    "self_assessment": all(row.is_self for row in given),
                    "round": max(row.round for row in given),
                    "due_at": min(row.due_at for row in given).isoformat(),
                    **(verb_payload or {}),
                },
            )
        )
    emit_many(PeerReviewVerb.REVIEW_ALLOCATED, organization=cohort.organization, cohort=cohort, items=items)


@dataclass(frozen=True)
class _Allocated:
    pk: int
    reviewer_id: int
    submission_id: int
    is_self: bool
    round: int
    due_at: dt.datetime


def _insert_allocations(assignment: Assignment, rows: list[dict]) -> list[_Allocated]:
    """Insert a round of allocations (tens of thousands for a large cohort) as plain rows
    and read back what was made. The caller holds the assignment's row lock, so the rows
    above the highest id before the insert are exactly these."""
    if not rows:
        return []
    before = ReviewAllocation.objects.filter(assignment=assignment).aggregate(top=Max("pk"))["top"] or 0
    insert_rows(ReviewAllocation, rows)
    return [
        _Allocated(*values)
        for values in ReviewAllocation.objects.filter(assignment=assignment, pk__gt=before)
        .order_by("pk")
        .values_list("pk", "reviewer_id", "submission_id", "is_self", "round", "due_at")
    ]


@transaction.atomic
def reviews_allocate(assignment_id: int, *, now: dt.datetime | None = None) -> int:
    """Give every submission its reviewers once submissions have closed; later calls
    top up for late work. Safe to repeat: the assignment row is locked, only missing
    allocations are made, and (submission, reviewer) is a unique key. Returns how many
    allocations were made."""
    now = now or timezone.now()
    assignment = (
        Assignment.objects.select_for_update().select_related("cohort__organization").get(pk=assignment_id)
    )
    if (
        assignment.state != AssignmentState.PUBLISHED
        or now < assignment.submission_due_at
        or assignment.reviews_closed_at is not None
    ):
        return 0
    submissions, squads, in_force, withdrawn = _board(assignment)
    if not submissions:
        return 0
    reviewers = _active_reviewers(assignment, submissions.values())
    new = allocation_rules.allocate(
        submissions,
        assignment.reviews_per_submission,
        reviewers=sorted(reviewers),
        squads=squads,
        outside_squad=assignment.outside_squad,
        existing=in_force,
        withdrawn=withdrawn,
        seed=assignment.pk,
    )
    due_at = now + dt.timedelta(hours=assignment.review_hours)
    base = {"assignment_id": assignment.pk, "allocated_at": now, "due_at": due_at}
    rows = [
        {**base, "submission_id": a.submission, "reviewer_id": a.reviewer, "round": a.round, "extra": a.extra}
        for a in new
    ]
    if assignment.self_assessment:
        have_self = set(
            ReviewAllocation.objects.filter(assignment=assignment, is_self=True).values_list(
                "submission_id", flat=True
            )
        )
        rows += [
            {**base, "submission_id": pk, "reviewer_id": author, "is_self": True}
            for pk, author in submissions.items()
            if pk not in have_self and author in reviewers
        ]
    created = _insert_allocations(assignment, rows)
    if assignment.allocated_at is None:
        assignment.allocated_at = now
        assignment.save(update_fields=["allocated_at"])
    if created:
        _ensure_records(assignment, sorted({row.reviewer_id for row in created}))
        assignment_changed(assignment.pk)
        _emit_allocated(assignment, created, submissions)
    return len(created)


@transaction.atomic
def reviews_reallocate_overdue(assignment_id: int, *, now: dt.datetime | None = None) -> int:
    """Move every review not done by its due time to another active reviewer, so no
    submission waits forever on someone who dropped out. A reviewer with an overdue
    review is not given anyone else's. Returns how many reviews were moved."""
    now = now or timezone.now()
    assignment = (
        Assignment.objects.select_for_update().select_related("cohort__organization").get(pk=assignment_id)
    )
    if assignment.reviews_closed_at is not None or now >= assignment.review_due_at:
        return 0
    overdue_rows = list(
        ReviewAllocation.objects.filter(
            assignment=assignment, is_self=False, state=AllocationState.ASSIGNED, due_at__lt=now
        )
    )
    if not overdue_rows:
        return 0
    submissions, squads, in_force, withdrawn = _board(assignment)
    late_reviewers = {row.reviewer_id for row in overdue_rows}
    reviewers = _active_reviewers(assignment, submissions.values()) - late_reviewers
    overdue = [
        allocation_rules.Allocation(row.reviewer_id, row.submission_id, row.round, row.extra)
        for row in overdue_rows
    ]
    replacements = allocation_rules.reallocate(
        overdue,
        submissions=submissions,
        reviewers=sorted(reviewers),
        existing=in_force,
        withdrawn=withdrawn,
        squads=squads,
        outside_squad=assignment.outside_squad,
        seed=assignment.pk + len(withdrawn),
    )
    ReviewAllocation.objects.filter(pk__in=[row.pk for row in overdue_rows]).update(
        state=AllocationState.WITHDRAWN, withdrawn_at=now
    )
    due_at = now + dt.timedelta(hours=assignment.review_hours)
    created = ReviewAllocation.objects.bulk_create(
        [
            ReviewAllocation(
                assignment=assignment,
                submission_id=a.submission,
                reviewer_id=a.reviewer,
                round=a.round,
                extra=a.extra,
                allocated_at=now,
                due_at=due_at,
            )
            for a in replacements
        ]
    )
    _ensure_records(assignment, sorted({row.reviewer_id for row in created}))
    assignment_changed(assignment.pk)
    cohort = assignment.cohort
    taken_by = defaultdict(list)
    for row in created:
        taken_by[row.submission_id].append(row)
    for row in overdue_rows:
        replacement = taken_by[row.submission_id].pop(0) if taken_by[row.submission_id] else None
        emit(
            PeerReviewVerb.REVIEW_REALLOCATED,
            organization=cohort.organization,
            cohort=cohort,
            subject=row,
            payload={
                "assignment_id": assignment.pk,
                "submission_id": row.submission_id,
                "author_id": submissions[row.submission_id],
                "from_reviewer_id": row.reviewer_id,
                "to_reviewer_id": replacement.reviewer_id if replacement else None,
                "allocation_id": replacement.pk if replacement else None,
                "due_at": replacement.due_at.isoformat() if replacement else None,
                "round": replacement.round if replacement else row.round + 1,
            },
        )
    _emit_allocated(assignment, created, submissions, {"reallocated": True})
    # A submission whose missing review found nobody may now be complete.
    from .grades import grade_submissions

    grade_submissions(assignment, list({row.submission_id for row in overdue_rows}), now=now)
    return len(overdue_rows)


# --- reviews ------------------------------------------------------------------------


@transaction.atomic
def review_submit(
    *,
    actor,
    allocation: ReviewAllocation,
    levels: dict[int, tuple[int, str]],
    comment: str = "",
    now: dt.datetime | None = None,
) -> Review:
    """Submit the review of an allocated submission: a level (and optional comment)
    per criterion and an overall comment."""
    now = now or timezone.now()
    allocation = (
        ReviewAllocation.objects.select_for_update()
        .select_related("assignment__cohort__organization", "assignment__rubric", "submission")
        .get(pk=allocation.pk)
    )
    assignment = allocation.assignment
    require(actor, "assignment.participate", assignment)
    if allocation.reviewer_id != actor.pk:
        raise PermissionDenied("This review was allocated to someone else.")
    if allocation.state == AllocationState.SUBMITTED:
        raise invalid(levels="You have already submitted this review.")
    if allocation.state == AllocationState.WITHDRAWN:
        raise invalid(levels="This review was past its due time and has moved to another reviewer.")
    if not allocation.is_self and not calibration_done(assignment, actor):
        raise invalid(levels="Calibrate on the practice examples before reviewing your peers.")
    criteria = {c.pk: c for c in assignment.rubric.criteria.prefetch_related("levels")}
    errors = {}
    if problems := level_errors(levels, criteria):
        errors["levels"] = " ".join(problems)
    comment = (comment or "").strip()
    if not allocation.is_self and not comment:
        errors["comment"] = "Write a comment: what works, and one thing to improve."
    if len(comment) > MAX_COMMENT_CHARS or any(
        len(text or "") > MAX_COMMENT_CHARS for _, text in levels.values()
    ):
        errors["comment"] = f"Keep each comment under {MAX_COMMENT_CHARS} characters."
    if errors:
        raise invalid(**errors)
    submission = allocation.submission
    review = Review.objects.create(
        allocation=allocation,
        submission=submission,
        reviewer=actor,
        is_self=allocation.is_self,
        comment=comment,
        submission_version=submission.version,
        submitted_at=now,
    )
    ReviewScore.objects.bulk_create(
        [
            ReviewScore(review=review, criterion_id=pk, level=level, comment=(text or "").strip())
            for pk, (level, text) in levels.items()
        ]
    )
    allocation.state = AllocationState.SUBMITTED
    allocation.save(update_fields=["state"])
    assignment_changed(assignment.pk)
    cohort = assignment.cohort
    audit.record(actor=actor, action="review.submit", target=review, organization=cohort.organization)
    emit(
        PeerReviewVerb.REVIEW_SUBMITTED,
        organization=cohort.organization,
        actor=actor,
        cohort=cohort,
        subject=review,
        payload={
            "assignment_id": assignment.pk,
            "submission_id": submission.pk,
            "review_id": review.pk,
            "reviewer_id": actor.pk,
            "author_id": submission.author_id,
            "is_self": allocation.is_self,
            "late": now > allocation.due_at,
            "comment_words": len(comment.split()),
        },
    )
    if not allocation.is_self:
        from .grades import grade_submissions

        # A final grade refreshes the records of all the submission's reviewers, this one too.
        graded = grade_submissions(assignment, [submission.pk], now=now)
        if GradeState.FINAL not in graded.values():
            records_refresh(assignment, [actor.pk])
    return review


@transaction.atomic
def usefulness_rate(*, actor, review: Review, rating: int, comment: str = "") -> UsefulnessRating:
    """The author rates how useful a review of their work was (1-5); a later rating
    replaces the earlier one."""
    review = Review.objects.select_related("submission__assignment__cohort__organization").get(pk=review.pk)
    if review.submission.author_id != actor.pk or review.is_self:
        raise PermissionDenied("Only the author rates the reviews of their work.")
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        raise invalid(rating="Choose a rating from 1 (not useful) to 5 (very useful).")
    comment = (comment or "").strip()
    if len(comment) > 500:
        raise invalid(comment="Keep the comment under 500 characters.")
    rated, created = UsefulnessRating.objects.update_or_create(
        review=review, defaults={"rated_by": actor, "rating": rating, "comment": comment}
    )
    assignment = review.submission.assignment
    records_refresh(assignment, [review.reviewer_id])
    assignment_changed(assignment.pk)
    cohort = assignment.cohort
    emit(
        PeerReviewVerb.USEFULNESS_RATED,
        organization=cohort.organization,
        actor=actor,
        cohort=cohort,
        subject=review,
        payload={
            "assignment_id": assignment.pk,
            "review_id": review.pk,
            "reviewer_id": review.reviewer_id,
            "author_id": actor.pk,
            "rating": rating,
            "first_rating": created,
        },
    )
    return rated
