"""Writes for grades: computing a submission's grade from its peer reviews when they
are all in, closing the review window, the expert checkpoint and regrade requests.

A grade is computed once per submission, when every review allocated to it (and in
force) has been submitted, or when the review window closes with whatever arrived.
Criteria where the reviewers disagree by more than the assignment's spread threshold,
or with a single review, send the submission to an expert checkpoint instead of
being final; no reviews at all does too. An expert's levels then make the grade final.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from core import audit
from core.bulk import insert_rows
from core.errors import PermissionDenied, invalid
from core.events import emit, emit_many
from core.policy import require

from ..events import PeerReviewVerb
from ..grading import ReviewScore as PeerScore
from ..grading import RubricCriterion, points_for_level, submission_grade
from ..models import (
    AllocationState,
    Assignment,
    CaseState,
    Checkpoint,
    CriterionGrade,
    Dispute,
    DisputeOutcome,
    Grade,
    GradeState,
    Review,
    ReviewAllocation,
    ReviewerRecord,
    ReviewScore,
    Submission,
)
from ._common import level_errors
from .assignments import assignment_changed
from .reviewing import records_refresh

METHOD_EXPERT = "expert"


def _criteria(assignment: Assignment):
    return {c.pk: c for c in assignment.rubric.criteria.prefetch_related("levels")}


def _rubric(criteria) -> dict[int, RubricCriterion]:
    return {
        pk: RubricCriterion(
            points=tuple(float(level.points) for level in c.levels.all()), weight=float(c.weight)
        )
        for pk, c in criteria.items()
    }


def _payload(submission: Submission, grade: Grade | None = None, **extra) -> dict:
    payload = {
        "assignment_id": submission.assignment_id,
        "submission_id": submission.pk,
        "author_id": submission.author_id,
    }
    if grade is not None:
        payload |= {"grade_id": grade.pk, "percentage": round(grade.percentage, 2), "method": grade.method}
    return payload | extra


def _checkpoint_reason(result, criteria, reviews: int) -> str:
    reasons = [
        f"only one review of \u201c{criteria[pk].title}\u201d"
        if reviews < 2
        else f"reviewers disagree on \u201c{criteria[pk].title}\u201d (spread {value.spread:.2f} levels)"
        for pk, value in result.criteria.items()
        if value.needs_checkpoint
    ]
    if not reasons:
        return "An expert should check this grade."
    text = "; ".join(reasons)
    return (text[:1].upper() + text[1:])[:298] + "."


def grade_submissions(
    assignment: Assignment,
    submission_ids: list[int] | None,
    *,
    now: dt.datetime | None = None,
    closing: bool = False,
) -> dict[int, str]:
    """Grade the given submissions of an assignment (None: all of them) that are ready
    and not graded yet, in a fixed number of queries however many there are. Returns
    the new grades' states by submission id; submissions left without reviews at closing
    go to a checkpoint without a grade."""
    now = now or timezone.now()
    candidates = Submission.objects.filter(assignment=assignment, grade__isnull=True).exclude(
        checkpoints__state=CaseState.OPEN
    )
    if submission_ids is not None:
        candidates = candidates.filter(pk__in=submission_ids)
    submissions = {row.pk: row for row in candidates.only("pk", "author_id", "assignment_id")}
    if not submissions:
        return {}
    if not closing:
        pending = set(
            ReviewAllocation.objects.filter(
                submission_id__in=list(submissions), is_self=False, state=AllocationState.ASSIGNED
            ).values_list("submission_id", flat=True)
        )
        submissions = {pk: row for pk, row in submissions.items() if pk not in pending}
    # Flat rows, not Review and ReviewScore objects: a cohort's close grades thousands.
    levels: dict[int, dict[int, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    for submission_id, reviewer_id, criterion_id, level in ReviewScore.objects.filter(
        review__submission_id__in=list(submissions), review__is_self=False
    ).values_list("review__submission_id", "review__reviewer_id", "criterion_id", "level"):
        levels[submission_id][reviewer_id][criterion_id] = level
    criteria = _criteria(assignment)
    rubric = _rubric(criteria)
    weights = dict(ReviewerRecord.objects.filter(assignment=assignment).values_list("reviewer_id", "weight"))
    grades, criterion_rows, checkpoints = {}, {}, {}
    for pk in submissions:
        its_reviews = levels.get(pk, {})
        if not its_reviews:
            if closing:
                checkpoints[pk] = "No peer reviews arrived before the review window closed."
            continue
        scores: dict[int, list[PeerScore]] = {criterion: [] for criterion in criteria}
        for reviewer_id, given in its_reviews.items():
            for criterion_id, level in given.items():
                if criterion_id in scores:
                    scores[criterion_id].append(PeerScore(reviewer_id, level))
        result = submission_grade(scores, weights, rubric=rubric,
                                  spread_threshold=assignment.spread_threshold)
        final = not result.needs_checkpoint
        grades[pk] = {
            "submission_id": pk,
            "state": GradeState.FINAL if final else GradeState.CHECKPOINT,
            "points": result.points,
            "max_points": result.max_points,
            "percentage": result.percentage,
            "method": next(iter(result.criteria.values())).method,
            "reviews_counted": len(its_reviews),
            "computed_at": now,
            "finalised_at": now if final else None,
        }
        criterion_rows[pk] = [
            {
                "criterion_id": criterion,
                "level": value.level,
                "peer_level": value.level,
                "spread": value.spread,
                "needs_checkpoint": value.needs_checkpoint,
                "points": float(criteria[criterion].weight)
                * points_for_level(value.level, rubric[criterion].points),
            }
            for criterion, value in result.criteria.items()
        ]
        if not final:
            checkpoints[pk] = _checkpoint_reason(result, criteria, len(its_reviews))
    if not grades and not checkpoints:
        return {}
    # Plain rows, not model instances: closing a large cohort writes tens of thousands.
    insert_rows(Grade, grades.values())
    grade_ids = dict(
        Grade.objects.filter(submission_id__in=list(grades)).values_list("submission_id", "pk")
    )
    insert_rows(CriterionGrade, (
        {**row, "grade_id": grade_ids[pk]} for pk, rows in criterion_rows.items() for row in rows
    ))
    insert_rows(Checkpoint, (
        {"submission_id": pk, "created_at": now, "reason": reason} for pk, reason in checkpoints.items()
    ))
    cases = Checkpoint.objects.filter(submission_id__in=list(checkpoints), state=CaseState.OPEN).only(
        "pk", "submission_id", "reason"
    )
    assignment_changed(assignment.pk)
    cohort = assignment.cohort
    finals = [pk for pk, row in grades.items() if row["state"] == GradeState.FINAL]
    emit_many(
        PeerReviewVerb.GRADE_FINALISED,
        organization=cohort.organization,
        cohort=cohort,
        items=[
            (submissions[pk], _payload(submissions[pk], grade_id=grade_ids[pk],
                                       percentage=round(grades[pk]["percentage"], 2),
                                       method=grades[pk]["method"]))
            for pk in finals
        ],
    )
    emit_many(
        PeerReviewVerb.CHECKPOINT_REQUESTED,
        organization=cohort.organization,
        cohort=cohort,
        items=[
            (case, _payload(submissions[case.submission_id], checkpoint_id=case.pk, reason=case.reason))
            for case in cases
        ],
    )
    records_refresh(assignment, {reviewer_id for pk in finals for reviewer_id in levels[pk]})
    return {pk: row["state"] for pk, row in grades.items()}


def _finalised(submission: Submission, grade: Grade, actor=None) -> None:
    assignment = submission.assignment
    cohort = assignment.cohort
    emit(
        PeerReviewVerb.GRADE_FINALISED,
        organization=cohort.organization,
        actor=actor,
        cohort=cohort,
        subject=submission,
        payload=_payload(submission, grade),
    )
    reviewers = Review.objects.filter(submission=submission, is_self=False).values_list(
        "reviewer_id", flat=True
    )
    records_refresh(assignment, list(reviewers))


@transaction.atomic
def reviews_close(assignment_id: int, *, now: dt.datetime | None = None) -> int:
    """At the end of the review window: withdraw reviews still outstanding and grade
    every submission with the reviews it has (or send it to an expert). Runs once.
    Returns how many submissions it graded or sent to a checkpoint."""
    now = now or timezone.now()
    assignment = (
        Assignment.objects.select_for_update().select_related("cohort__organization").get(pk=assignment_id)
    )
    if assignment.reviews_closed_at is not None or now < assignment.review_due_at:
        return 0
    ReviewAllocation.objects.filter(assignment=assignment, state=AllocationState.ASSIGNED).update(
        state=AllocationState.WITHDRAWN, withdrawn_at=now
    )
    graded = grade_submissions(assignment, None, now=now, closing=True)
    unreviewed = Checkpoint.objects.filter(
        submission__assignment=assignment, submission__grade__isnull=True, state=CaseState.OPEN
    ).count()
    handled = len(graded) + unreviewed
    assignment.reviews_closed_at = now
    assignment.revision += 1
    assignment.save(update_fields=["reviews_closed_at", "revision"])
    audit.record(
        actor=None,
        action="assignment.close_reviews",
        target=assignment,
        organization=assignment.cohort.organization,
        changes={"graded": [None, handled]},
    )
    return handled


def _expert_levels(submission: Submission, levels: dict[int, tuple[int, str]], reason: str):
    """Check an expert's {criterion: (level, reason)}: a reason is needed wherever the
    level departs from the peers' (or there were no peers)."""
    criteria = _criteria(submission.assignment)
    errors = level_errors(levels, criteria)
    if errors:
        raise invalid(levels=" ".join(errors))
    grade = Grade.objects.filter(submission=submission).first()
    peer = dict(grade.criteria.values_list("criterion_id", "peer_level")) if grade else {}
    missing = [
        criteria[pk].title
        for pk, (level, text) in levels.items()
        if (peer.get(pk) is None or abs(peer[pk] - level) > 1e-9)
        and not (text or "").strip()
        and not reason.strip()
    ]
    if missing:
        raise invalid(
            levels="Give a reason for each level you set differently from the peers: "
            + ", ".join(f"\u201c{title}\u201d" for title in missing)
            + "."
        )
    return criteria, grade, peer


def _set_expert_grade(actor, submission: Submission, levels, reason: str, now) -> Grade:
    criteria, grade, peer = _expert_levels(submission, levels, reason)
    rubric = _rubric(criteria)
    points = {
        pk: float(criteria[pk].weight) * points_for_level(level, rubric[pk].points)
        for pk, (level, _) in levels.items()
    }
    max_points = sum(float(c.weight) * max(rubric[pk].points) for pk, c in criteria.items())
    before = {"percentage": round(grade.percentage, 2), "state": grade.state} if grade else {}
    if grade is None:
        grade = Grade(submission=submission, computed_at=now, reviews_counted=0)
    grade.state, grade.method, grade.overridden_by, grade.finalised_at = (
        GradeState.FINAL,
        METHOD_EXPERT,
        actor,
        now,
    )
    grade.points, grade.max_points = sum(points.values()), max_points
    grade.percentage = 100 * grade.points / max_points
    grade.save()
    existing = {row.criterion_id: row for row in grade.criteria.all()}
    for pk, (level, text) in levels.items():
        row = existing.get(pk) or CriterionGrade(grade=grade, criterion_id=pk, peer_level=peer.get(pk))
        row.level, row.points, row.needs_checkpoint = float(level), points[pk], False
        row.override_reason = (text or "").strip() or reason.strip()
        row.save()
    audit.record(
        actor=actor,
        action="grade.override",
        target=submission,
        organization=submission.assignment.cohort.organization,
        changes={
            "percentage": [before.get("percentage"), round(grade.percentage, 2)],
            "levels": [{str(k): v for k, v in peer.items()}, {str(k): v[0] for k, v in levels.items()}],
            "reason": [None, reason.strip()],
        },
    )
    return grade


@transaction.atomic
def checkpoint_resolve(
    *, actor, checkpoint: Checkpoint, levels: dict[int, tuple[int, str]], reason: str = ""
) -> Grade:
    """The expert sets the final level of every criterion, with a reason where it
    departs from the peers; the learner sees the levels and reasons."""
    checkpoint = (
        Checkpoint.objects.select_for_update()
        .select_related("submission__assignment__cohort__organization", "submission__assignment__rubric")
        .get(pk=checkpoint.pk)
    )
    submission = checkpoint.submission
    require(actor, "assignment.expert", submission.assignment)
    if checkpoint.state != CaseState.OPEN:
        raise invalid(levels="This checkpoint has already been resolved.")
    now = timezone.now()
    grade = _set_expert_grade(actor, submission, levels, reason or "", now)
    checkpoint.state, checkpoint.resolved_by, checkpoint.resolved_at = CaseState.RESOLVED, actor, now
    checkpoint.save(update_fields=["state", "resolved_by", "resolved_at"])
    assignment_changed(submission.assignment_id)
    cohort = submission.assignment.cohort
    emit(
        PeerReviewVerb.CHECKPOINT_RESOLVED,
        organization=cohort.organization,
        actor=actor,
        cohort=cohort,
        subject=checkpoint,
        payload=_payload(submission, grade, checkpoint_id=checkpoint.pk),
    )
    _finalised(submission, grade, actor)
    return grade


@transaction.atomic
def dispute_open(*, actor, submission: Submission, reason: str) -> Dispute:
    """A learner asks for their final grade to be looked at again; it lands in the
    facilitators' moderation queue with the reviews attached."""
    submission = Submission.objects.select_related("assignment__cohort__organization").get(pk=submission.pk)
    if submission.author_id != actor.pk:
        raise PermissionDenied("Only the author may ask for a regrade.")
    grade = Grade.objects.filter(submission=submission).first()
    if grade is None or grade.state != GradeState.FINAL:
        raise invalid(reason="You can ask for a regrade once your grade is final.")
    reason = (reason or "").strip()
    if len(reason.split()) < 5:
        raise invalid(reason="Say which criterion you disagree with and why (a sentence or two).")
    if len(reason) > 3000:
        raise invalid(reason="Keep it under 3,000 characters.")
    if Dispute.objects.filter(submission=submission, state=CaseState.OPEN).exists():
        raise invalid(reason="Your regrade request is already with a facilitator.")
    dispute = Dispute.objects.create(submission=submission, requested_by=actor, reason=reason)
    assignment_changed(submission.assignment_id)
    cohort = submission.assignment.cohort
    audit.record(actor=actor, action="dispute.open", target=dispute, organization=cohort.organization)
    emit(
        PeerReviewVerb.DISPUTE_OPENED,
        organization=cohort.organization,
        actor=actor,
        cohort=cohort,
        subject=dispute,
        payload=_payload(submission, grade, dispute_id=dispute.pk),
    )
    return dispute


@transaction.atomic
def dispute_resolve(
    *, actor, dispute: Dispute, outcome: str, response: str, levels: dict[int, tuple[int, str]] | None = None
) -> Dispute:
    """Answer a regrade request: the grade stands, or new levels replace it. The
    answer is audited and shown to the learner."""
    dispute = (
        Dispute.objects.select_for_update()
        .select_related("submission__assignment__cohort__organization", "submission__assignment__rubric")
        .get(pk=dispute.pk)
    )
    submission = dispute.submission
    require(actor, "assignment.expert", submission.assignment)
    if dispute.state != CaseState.OPEN:
        raise invalid(outcome="This request has already been answered.")
    response = (response or "").strip()
    errors = {}
    if outcome not in DisputeOutcome.values:
        errors["outcome"] = "Choose whether the grade stands or is changed."
    if not response:
        errors["response"] = "Explain the decision to the learner."
    if outcome == DisputeOutcome.REGRADED and not levels:
        errors["levels"] = "Set the new level of every criterion."
    if errors:
        raise invalid(**errors)
    now = timezone.now()
    grade = Grade.objects.get(submission=submission)
    if outcome == DisputeOutcome.REGRADED:
        grade = _set_expert_grade(actor, submission, levels, response, now)
    dispute.state, dispute.outcome, dispute.response = CaseState.RESOLVED, outcome, response
    dispute.resolved_by, dispute.resolved_at = actor, now
    dispute.save(update_fields=["state", "outcome", "response", "resolved_by", "resolved_at"])
    assignment_changed(submission.assignment_id)
    cohort = submission.assignment.cohort
    audit.record(
        actor=actor,
        action="dispute.resolve",
        target=dispute,
        organization=cohort.organization,
        changes={"outcome": [None, outcome]},
    )
    emit(
        PeerReviewVerb.DISPUTE_RESOLVED,
        organization=cohort.organization,
        actor=actor,
        cohort=cohort,
        subject=dispute,
        payload=_payload(submission, grade, dispute_id=dispute.pk, outcome=outcome),
    )
    if outcome == DisputeOutcome.REGRADED:
        records_refresh(
            submission.assignment,
            list(
                Review.objects.filter(submission=submission, is_self=False).values_list(
                    "reviewer_id", flat=True
                )
            ),
        )
    return dispute
