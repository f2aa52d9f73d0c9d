"""Writes for assignments and their calibration examples: create, edit while a
draft, publish (which freezes the rubric), and the experts' reference scores."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cohorts.models import Cohort, CohortStep
from core import audit
from core.errors import invalid
from core.events import emit
from core.markdown import render_markdown
from core.policy import require

from ..events import PeerReviewVerb
from ..models import Assignment, AssignmentState, CalibrationExample, ExpertScore, Rubric, RubricState
from ._common import level_errors

EDITABLE_FIELDS = [
    "title",
    "instructions",
    "submission_opens_at",
    "submission_due_at",
    "review_due_at",
    "reviews_per_submission",
    "review_hours",
    "anonymous_reviews",
    "self_assessment",
    "calibration_examples",
    "outside_squad",
    "spread_threshold",
]
DEFAULTS = {
    "reviews_per_submission": 3,
    "review_hours": 48,
    "anonymous_reviews": True,
    "self_assessment": False,
    "calibration_examples": 0,
    "outside_squad": False,
    "spread_threshold": 1.0,
}


def assignment_changed(assignment_id: int) -> None:
    """Start a new revision of the assignment (cached dashboards are keyed on it);
    call inside the writing transaction."""
    Assignment.objects.filter(pk=assignment_id).update(revision=F("revision") + 1)


def _check_fields(fields: dict, rubric: Rubric | None, organization_id: int) -> None:
    errors = {}
    if not (fields.get("title") or "").strip():
        errors["title"] = "Give the assignment a title."
    if not (fields.get("instructions") or "").strip():
        errors["instructions"] = "Tell learners what to submit."
    opens, due, review_due = (
        fields.get(name) for name in ("submission_opens_at", "submission_due_at", "review_due_at")
    )
    for name, value in (
        ("submission_opens_at", opens),
        ("submission_due_at", due),
        ("review_due_at", review_due),
    ):
        if not isinstance(value, dt.datetime):
            errors[name] = "Enter a date and time."
    if not errors.get("submission_due_at") and not errors.get("submission_opens_at") and due <= opens:
        errors["submission_due_at"] = "Submissions must close after they open."
    if not errors.get("review_due_at") and not errors.get("submission_due_at") and review_due <= due:
        errors["review_due_at"] = "Reviews must end after submissions close."
    limits = {
        "reviews_per_submission": (1, 10),
        "review_hours": (1, 24 * 14),
        "calibration_examples": (0, 10),
    }
    for name, (low, high) in limits.items():
        value = fields.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            errors[name] = f"Enter a whole number from {low} to {high}."
    threshold = fields.get("spread_threshold")
    if not isinstance(threshold, int | float) or isinstance(threshold, bool) or not 0 <= threshold <= 10:
        errors["spread_threshold"] = "Enter a number of levels from 0 to 10."
    if rubric is None or rubric.organization_id != organization_id:
        errors["rubric"] = "Choose a rubric."
    if errors:
        raise invalid(**errors)


@transaction.atomic
def assignment_create(
    *, actor, cohort: Cohort, rubric: Rubric, step: CohortStep | None = None, **fields
) -> Assignment:
    """A draft assignment. Reviews open when submissions close; late work is
    accepted until the review window ends and still gets reviewers."""
    require(actor, "assignment.manage", cohort)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown assignment fields: {sorted(unknown)}")
    values = {**DEFAULTS, **fields}
    if step is not None:
        values.setdefault("title", step.title)
        if not values.get("title"):
            values["title"] = step.title
        if not values.get("instructions"):
            values["instructions"] = step.description
    _check_fields(values, rubric, cohort.organization_id)
    if step is not None and step.cohort_id != cohort.pk:
        raise invalid(step="That step belongs to another cohort.")
    assignment = Assignment(cohort=cohort, rubric=rubric, step=step, created_by=actor, **values)
    assignment.title = assignment.title.strip()[:200]
    assignment.instructions_html = render_markdown(assignment.instructions)
    assignment.save()
    audit.record(actor=actor, action="assignment.create", target=assignment, organization=cohort.organization)
    return assignment


@transaction.atomic
def assignment_update(*, actor, assignment: Assignment, rubric: Rubric | None = None, **fields) -> Assignment:
    """Edit a draft. Once published only the instructions may change and the windows
    may be extended, so nobody's work or reviews fall outside the rules they started under."""
    require(actor, "assignment.manage", assignment)
    assignment = Assignment.objects.select_for_update().select_related("cohort").get(pk=assignment.pk)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown assignment fields: {sorted(unknown)}")
    before = audit.snapshot(assignment, ["rubric", *EDITABLE_FIELDS])
    if assignment.state == AssignmentState.PUBLISHED:
        fixed = {
            name
            for name, value in fields.items()
            if name not in ("title", "instructions", "submission_due_at", "review_due_at")
            and value != getattr(assignment, name)
        }
        if rubric is not None and rubric.pk != assignment.rubric_id:
            fixed.add("rubric")
        if fixed:
            raise invalid(**dict.fromkeys(fixed, "This cannot change once the assignment is published."))
        for name in ("submission_due_at", "review_due_at"):
            if name in fields and fields[name] < getattr(assignment, name):
                raise invalid(**{name: "A published window may be extended, not shortened."})
    values = {name: getattr(assignment, name) for name in EDITABLE_FIELDS} | fields
    rubric = rubric or assignment.rubric
    _check_fields(values, rubric, assignment.cohort.organization_id)
    for name, value in values.items():
        setattr(assignment, name, value)
    assignment.rubric = rubric
    assignment.title = assignment.title.strip()[:200]
    assignment.instructions_html = render_markdown(assignment.instructions)
    assignment.revision += 1
    assignment.save()
    audit.record(
        actor=actor,
        action="assignment.update",
        target=assignment,
        organization=assignment.cohort.organization,
        changes=audit.diff(before, audit.snapshot(assignment, ["rubric", *EDITABLE_FIELDS])),
    )
    return assignment


def scored_examples(assignment: Assignment) -> list[CalibrationExample]:
    """The examples every criterion of which the expert has scored, in order."""
    criteria = set(assignment.rubric.criteria.values_list("pk", flat=True))
    examples = list(assignment.examples.prefetch_related("expert_scores"))
    return [
        example
        for example in examples
        if {score.criterion_id for score in example.expert_scores.all()} >= criteria
    ]


@transaction.atomic
def assignment_publish(*, actor, assignment: Assignment) -> Assignment:
    """Open the assignment to learners and freeze its rubric version."""
    require(actor, "assignment.manage", assignment)
    assignment = (
        Assignment.objects.select_for_update().select_related("cohort", "rubric").get(pk=assignment.pk)
    )
    if assignment.state == AssignmentState.PUBLISHED:
        return assignment
    rubric = assignment.rubric
    if rubric.state != RubricState.PUBLISHED:
        raise invalid(rubric="Publish the rubric first.")
    if assignment.calibration_examples and len(scored_examples(assignment)) < assignment.calibration_examples:
        raise invalid(
            calibration_examples=(
                f"Learners calibrate on {assignment.calibration_examples} example(s): add them and have an "
                "expert score every criterion before publishing."
            )
        )
    if assignment.review_due_at <= timezone.now():
        raise invalid(review_due_at="The review window has already ended.")
    now = timezone.now()
    if rubric.frozen_at is None:
        Rubric.objects.filter(pk=rubric.pk).update(frozen_at=now)
    assignment.state, assignment.published_at = AssignmentState.PUBLISHED, now
    assignment.revision += 1
    assignment.save(update_fields=["state", "published_at", "revision"])
    cohort = assignment.cohort
    audit.record(
        actor=actor, action="assignment.publish", target=assignment, organization=cohort.organization
    )
    emit(
        PeerReviewVerb.ASSIGNMENT_PUBLISHED,
        organization=cohort.organization,
        actor=actor,
        cohort=cohort,
        subject=assignment,
        payload={
            "assignment_id": assignment.pk,
            "title": assignment.title,
            "calibration_examples": assignment.calibration_examples,
            "rubric_id": rubric.pk,
            "rubric_version": rubric.version,
            "reviews_per_submission": assignment.reviews_per_submission,
            "submission_due_at": assignment.submission_due_at.isoformat(),
            "review_due_at": assignment.review_due_at.isoformat(),
        },
    )
    return assignment


@transaction.atomic
def example_create(*, actor, assignment: Assignment, title: str, body: str) -> CalibrationExample:
    require(actor, "assignment.expert", assignment)
    errors = {}
    if not (title or "").strip():
        errors["title"] = "Give the example a title."
    if not (body or "").strip():
        errors["body"] = "Paste the example's text."
    if errors:
        raise invalid(**errors)
    order = assignment.examples.count()
    example = CalibrationExample.objects.create(
        assignment=assignment,
        order=order,
        title=title.strip()[:200],
        body=body,
        body_html=render_markdown(body),
    )
    assignment_changed(assignment.pk)
    audit.record(
        actor=actor,
        action="calibration_example.create",
        target=example,
        organization=assignment.cohort.organization,
    )
    return example


@transaction.atomic
def example_score(
    *, actor, example: CalibrationExample, scores: dict[int, tuple[int, str]]
) -> CalibrationExample:
    """The expert's reference level (and an optional explanation) for every criterion.
    Fixed once a learner has calibrated on the example, so everyone is compared with
    the same reference."""
    require(actor, "assignment.expert", example.assignment)
    if example.attempts.exists():
        raise invalid(scores="Learners have already calibrated on this example; its scores are fixed.")
    criteria = {c.pk: c for c in example.assignment.rubric.criteria.prefetch_related("levels")}
    errors = level_errors(scores, criteria)
    if errors:
        raise invalid(scores=" ".join(errors))
    now = timezone.now()
    for criterion_id, (level, explanation) in scores.items():
        ExpertScore.objects.update_or_create(
            example=example,
            criterion_id=criterion_id,
            defaults={
                "level": level,
                "explanation": (explanation or "").strip(),
                "scored_by": actor,
                "scored_at": now,
            },
        )
    assignment_changed(example.assignment_id)
    audit.record(
        actor=actor,
        action="calibration_example.score",
        target=example,
        organization=example.assignment.cohort.organization,
        changes={"levels": [None, {str(k): v[0] for k, v in scores.items()}]},
    )
    return example
