"""Reads for the learner pages of peer review, scoped by the policy module and loaded
with what each page renders: a page costs the same number of queries whatever the
number of versions, reviews, allocations or ratings behind it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, OuterRef
from django.http import Http404
from django.utils import timezone

from core import policy

from .calibration import mean_calibration_accuracy
from .models import (
    AllocationState,
    Assignment,
    AssignmentState,
    CalibrationAttempt,
    CalibrationExample,
    CaseState,
    Checkpoint,
    Criterion,
    CriterionGrade,
    Dispute,
    Grade,
    GradeState,
    Review,
    ReviewAllocation,
    ReviewerRecord,
    Submission,
    SubmissionAttachment,
    SubmissionVersion,
    UsefulnessRating,
)
from .rules import PARTICIPANT_ROLES
from .services import calibration_examples_for


def points_text(value) -> str:
    """2.00 -> "2", 1.50 -> "1.5": points as people write them."""
    number = Decimal(str(value)).normalize()
    return f"{number:f}"


def level_text(criterion: Criterion, level: float) -> str:
    """A level index as its descriptor; a grade half-way between two levels names both."""
    levels = list(criterion.levels.all())
    if not levels:
        return ""
    low = max(0, min(int(level), len(levels) - 1))
    if level == low or low + 1 >= len(levels):
        return levels[low].descriptor
    return f"between \u201c{levels[low].descriptor}\u201d and \u201c{levels[low + 1].descriptor}\u201d"


def criterion_max_points(criterion: Criterion) -> float:
    levels = list(criterion.levels.all())
    return float(criterion.weight) * max((float(level.points) for level in levels), default=0.0)


def _criteria(rubric_id: int) -> list[Criterion]:
    return list(Criterion.objects.filter(rubric_id=rubric_id).prefetch_related("levels"))


def _grade_of(submission: Submission | None) -> Grade | None:
    """The submission's grade, loaded with select_related (None when it has none)."""
    return getattr(submission, "grade", None) if submission is not None else None


def _with_checkpoint_flag(queryset):
    return queryset.annotate(
        checkpoint_open=Exists(Checkpoint.objects.filter(submission=OuterRef("pk"), state=CaseState.OPEN))
    )


# --- calibration progress -----------------------------------------------------------


@dataclass
class CalibrationProgress:
    """The learner's attempts on an assignment's calibration examples."""

    examples: list[CalibrationExample]
    attempts: dict[int, CalibrationAttempt]

    @property
    def required(self) -> bool:
        return bool(self.examples)

    @property
    def attempted(self) -> int:
        return sum(1 for example in self.examples if example.pk in self.attempts)

    @property
    def done(self) -> bool:
        return self.attempted == len(self.examples)

    @property
    def next_example(self) -> CalibrationExample | None:
        return next((example for example in self.examples if example.pk not in self.attempts), None)

    @property
    def rows(self) -> list[tuple[CalibrationExample, CalibrationAttempt | None]]:
        return [(example, self.attempts.get(example.pk)) for example in self.examples]

    @property
    def mean_accuracy(self) -> float | None:
        return mean_calibration_accuracy(
            self.attempts[example.pk].accuracy for example in self.examples if example.pk in self.attempts
        )


def _calibration(user, assignment: Assignment) -> CalibrationProgress:
    examples = calibration_examples_for(assignment)
    attempts = {}
    if examples:
        attempts = {
            attempt.example_id: attempt
            for attempt in CalibrationAttempt.objects.filter(example__in=examples, learner=user)
        }
    return CalibrationProgress(examples, attempts)


# --- where a learner stands in an assignment ------------------------------------------


@dataclass
class AssignmentProgress:
    """What the learner has done in an assignment and what is still theirs to do."""

    assignment: Assignment
    participant: bool
    submission: Submission | None
    calibration: CalibrationProgress
    to_review: list[ReviewAllocation]
    now: dt.datetime

    @property
    def grade(self) -> Grade | None:
        return _grade_of(self.submission)

    @property
    def not_open_yet(self) -> bool:
        return self.now < self.assignment.submission_opens_at

    @property
    def closed(self) -> bool:
        return self.now > self.assignment.review_due_at

    @property
    def late(self) -> bool:
        """Past the submission window, when work is still accepted once."""
        return self.assignment.submission_due_at < self.now <= self.assignment.review_due_at

    @property
    def can_submit(self) -> bool:
        if not self.participant or self.not_open_yet or self.closed:
            return False
        return self.submission is None or self.now <= self.assignment.submission_due_at

    @property
    def missed(self) -> bool:
        return self.participant and self.submission is None and self.closed

    @property
    def needs_calibration(self) -> bool:
        return self.participant and self.calibration.required and not self.calibration.done

    @property
    def waiting_for_expert(self) -> bool:
        grade = self.grade
        return bool(getattr(self.submission, "checkpoint_open", False)) or (
            grade is not None and grade.state == GradeState.CHECKPOINT
        )

    @property
    def grade_final(self) -> bool:
        grade = self.grade
        return grade is not None and grade.state == GradeState.FINAL

    @property
    def waiting_for_reviews(self) -> bool:
        return (
            self.submission is not None
            and self.grade is None
            and not self.waiting_for_expert
            and (self.assignment.allocated_at is not None or self.now > self.assignment.submission_due_at)
        )


def assignment_get(user, pk: int) -> Assignment:
    """A visible assignment or 404: learners see their cohorts' published assignments."""
    assignment = (
        policy.scope(user, Assignment.objects.all()).select_related("cohort", "rubric").filter(pk=pk).first()
    )
    if assignment is None:
        raise Http404("No such assignment.")
    return assignment


def assignment_list(user) -> list[AssignmentProgress]:
    """The published assignments of the cohorts the user belongs to, latest deadline
    first, each with where the user stands: five queries for any number of them."""
    roles = policy.roles(user)
    assignments = list(
        policy.scope(user, Assignment.objects.all())
        .filter(state=AssignmentState.PUBLISHED, cohort_id__in=list(roles.cohort_roles))
        .select_related("cohort")
    )
    taking_part = [a for a in assignments if roles.cohort_roles.get(a.cohort_id) in PARTICIPANT_ROLES]
    ids = [a.pk for a in taking_part]
    submissions, to_review, examples, attempts = {}, {}, {}, {}
    if ids:
        submissions = {
            s.assignment_id: s
            for s in _with_checkpoint_flag(
                Submission.objects.filter(author=user, assignment_id__in=ids).select_related("grade")
            )
        }
        for allocation in ReviewAllocation.objects.filter(
            reviewer=user, assignment_id__in=ids, state=AllocationState.ASSIGNED
        ).order_by("due_at", "pk"):
            to_review.setdefault(allocation.assignment_id, []).append(allocation)
        calibrating = {a.pk: a.calibration_examples for a in taking_part if a.calibration_examples}
        if calibrating:
            # The first `calibration_examples` of each assignment, as calibration_examples_for picks them.
            for example in CalibrationExample.objects.filter(assignment_id__in=list(calibrating)).order_by(
                "assignment_id", "order", "pk"
            ):
                chosen = examples.setdefault(example.assignment_id, [])
                if len(chosen) < calibrating[example.assignment_id]:
                    chosen.append(example)
            attempts = {
                attempt.example_id: attempt
                for attempt in CalibrationAttempt.objects.filter(
                    learner=user, example__assignment_id__in=list(calibrating)
                )
            }
    now = timezone.now()
    rows = []
    for assignment in assignments:
        mine = examples.get(assignment.pk, [])
        rows.append(
            AssignmentProgress(
                assignment=assignment,
                participant=assignment.pk in ids,
                submission=submissions.get(assignment.pk),
                calibration=CalibrationProgress(
                    mine, {e.pk: attempts[e.pk] for e in mine if e.pk in attempts}
                ),
                to_review=to_review.get(assignment.pk, []),
                now=now,
            )
        )
    return rows


# --- the assignment page ----------------------------------------------------------------


@dataclass
class GradeRow:
    criterion: Criterion
    level: float
    level_text: str
    points: float
    max_points: float
    override_reason: str


@dataclass
class ScoreRow:
    criterion: Criterion
    level: int
    level_text: str
    comment: str


@dataclass
class ReceivedReview:
    """A peer review of the learner's work, as its author sees it."""

    review: Review
    label: str
    scores: list[ScoreRow]

    @property
    def rating(self) -> UsefulnessRating | None:
        return getattr(self.review, "usefulness", None)


@dataclass
class AssignmentPage:
    progress: AssignmentProgress
    criteria: list[Criterion]
    versions: list[SubmissionVersion]
    current: SubmissionVersion | None
    grade_rows: list[GradeRow] = field(default_factory=list)
    reviews: list[ReceivedReview] = field(default_factory=list)
    disputes: list[Dispute] = field(default_factory=list)
    allocations: list[ReviewAllocation] = field(default_factory=list)
    record: ReviewerRecord | None = None
    ratings_received: list[UsefulnessRating] = field(default_factory=list)

    @property
    def assignment(self) -> Assignment:
        return self.progress.assignment

    @property
    def submission(self) -> Submission | None:
        return self.progress.submission

    @property
    def grade(self) -> Grade | None:
        return self.progress.grade

    @property
    def open_dispute(self) -> Dispute | None:
        return next((d for d in self.disputes if d.state == CaseState.OPEN), None)

    @property
    def can_dispute(self) -> bool:
        return self.progress.grade_final and self.open_dispute is None

    @property
    def expert_set_levels(self) -> bool:
        return any(row.override_reason for row in self.grade_rows)

    @property
    def calibration_accuracy(self) -> float | None:
        if self.record is not None and self.record.calibration_accuracy is not None:
            return self.record.calibration_accuracy
        return self.progress.calibration.mean_accuracy


def _grade_rows(grade: Grade, criteria: list[Criterion]) -> list[GradeRow]:
    by_id = {c.pk: c for c in criteria}
    rows = []
    for row in CriterionGrade.objects.filter(grade=grade):
        criterion = by_id.get(row.criterion_id)
        if criterion is None:
            continue
        rows.append(
            GradeRow(
                criterion=criterion,
                level=row.level,
                level_text=level_text(criterion, row.level),
                points=row.points,
                max_points=criterion_max_points(criterion),
                override_reason=row.override_reason,
            )
        )
    order = {c.pk: index for index, c in enumerate(criteria)}
    return sorted(rows, key=lambda r: order[r.criterion.pk])


def _score_rows(review: Review, criteria: list[Criterion]) -> list[ScoreRow]:
    scores = {score.criterion_id: score for score in review.scores.all()}
    return [
        ScoreRow(c, scores[c.pk].level, level_text(c, scores[c.pk].level), scores[c.pk].comment)
        for c in criteria
        if c.pk in scores
    ]


def _received_reviews(submission: Submission, assignment: Assignment, criteria) -> list[ReceivedReview]:
    reviews = (
        Review.objects.filter(submission=submission, is_self=False)
        .select_related("reviewer", "usefulness")
        .prefetch_related("scores")
        .order_by("submitted_at", "pk")
    )
    return [
        ReceivedReview(
            review=review,
            label=f"Reviewer {number}" if assignment.anonymous_reviews else review.reviewer.display_name,
            scores=_score_rows(review, criteria),
        )
        for number, review in enumerate(reviews, start=1)
    ]


def assignment_page(user, pk: int) -> AssignmentPage:
    """Everything the learner's assignment page shows, in a fixed number of queries."""
    assignment = assignment_get(user, pk)
    participant = policy.allows(user, "assignment.participate", assignment)
    criteria = _criteria(assignment.rubric_id)
    submission = (
        _with_checkpoint_flag(Submission.objects.filter(assignment=assignment, author=user))
        .select_related("grade")
        .first()
    )
    progress = AssignmentProgress(
        assignment=assignment,
        participant=participant,
        submission=submission,
        calibration=_calibration(user, assignment) if participant else CalibrationProgress([], {}),
        to_review=[],
        now=timezone.now(),
    )
    page = AssignmentPage(progress=progress, criteria=criteria, versions=[], current=None)
    if submission is not None:
        # The list shows numbers and times; only the current version's text is loaded.
        page.versions = list(
            SubmissionVersion.objects.filter(submission=submission)
            .only("pk", "submission_id", "number", "word_count", "created_at")
            .order_by("-number")
        )
        page.current = (
            SubmissionVersion.objects.filter(submission=submission, number=submission.version)
            .prefetch_related("attachments")
            .first()
        )
        page.disputes = list(Dispute.objects.filter(submission=submission).order_by("created_at", "pk"))
        if (grade := progress.grade) is not None:
            page.grade_rows = _grade_rows(grade, criteria)
            page.reviews = _received_reviews(submission, assignment, criteria)
    if participant:
        page.allocations = list(
            ReviewAllocation.objects.filter(assignment=assignment, reviewer=user)
            .select_related("submission__author")
            .order_by("is_self", "allocated_at", "pk")
        )
        progress.to_review = [a for a in page.allocations if a.state == AllocationState.ASSIGNED]
        page.record = ReviewerRecord.objects.filter(assignment=assignment, reviewer=user).first()
        page.ratings_received = list(
            UsefulnessRating.objects.filter(review__reviewer=user, review__submission__assignment=assignment)
            .select_related("review")
            .order_by("created_at", "pk")
        )
    return page


# --- one version, one attachment --------------------------------------------------------


@dataclass
class VersionPage:
    submission: Submission
    version: SubmissionVersion
    numbers: list[tuple[int, dt.datetime]]
    show_author: bool


def _viewable_submission(user, pk: int) -> Submission:
    submission = (
        policy.scope(user, Submission.objects.all())
        .select_related("assignment__cohort", "author")
        .filter(pk=pk)
        .first()
    )
    if submission is None or not policy.allows(user, "submission.view", submission):
        raise Http404("No such submission.")
    return submission


def version_page(user, submission_pk: int, number: int) -> VersionPage:
    submission = _viewable_submission(user, submission_pk)
    version = (
        SubmissionVersion.objects.filter(submission=submission, number=number)
        .prefetch_related("attachments")
        .first()
    )
    if version is None:
        raise Http404("No such version.")
    numbers = list(
        SubmissionVersion.objects.filter(submission=submission)
        .order_by("-number")
        .values_list("number", "created_at")
    )
    assignment = submission.assignment
    show_author = (
        submission.author_id == user.pk
        or not assignment.anonymous_reviews
        or policy.allows(user, "assignment.expert", assignment)
    )
    return VersionPage(submission, version, numbers, show_author)


def attachment_get(user, pk: int) -> SubmissionAttachment:
    """An attachment whose submission the user may read; anything else is a 404."""
    attachment = (
        SubmissionAttachment.objects.select_related("version__submission__assignment__cohort")
        .filter(pk=pk)
        .first()
    )
    if attachment is None or not policy.allows(user, "submission.view", attachment.version.submission):
        raise Http404("No such file.")
    return attachment


# --- calibration pages ------------------------------------------------------------------


@dataclass
class CalibrationPage:
    assignment: Assignment
    criteria: list[Criterion]
    calibration: CalibrationProgress


def calibration_page(user, assignment: Assignment) -> CalibrationPage:
    return CalibrationPage(assignment, _criteria(assignment.rubric_id), _calibration(user, assignment))


@dataclass
class CalibrationRow:
    criterion: Criterion
    mine: int | None
    mine_text: str
    expert: int | None
    expert_text: str
    explanation: str

    @property
    def matches(self) -> bool:
        return self.mine is not None and self.mine == self.expert

    @property
    def levels_apart(self) -> int | None:
        if self.mine is None or self.expert is None:
            return None
        return abs(self.mine - self.expert)


@dataclass
class CalibrationResult:
    example: CalibrationExample
    attempt: CalibrationAttempt | None
    rows: list[CalibrationRow]
    calibration: CalibrationProgress

    @property
    def assignment(self) -> Assignment:
        return self.example.assignment


def calibration_result(user, example_pk: int) -> CalibrationResult:
    """The learner's levels on an example beside the expert's, with the explanations."""
    example = (
        policy.scope(user, CalibrationExample.objects.all())
        .select_related("assignment__cohort", "assignment__rubric")
        .prefetch_related("expert_scores")
        .filter(pk=example_pk)
        .first()
    )
    if example is None:
        raise Http404("No such example.")
    assignment = example.assignment
    calibration = _calibration(user, assignment)
    attempt = calibration.attempts.get(example.pk)
    rows = []
    if attempt is not None:
        expert = {score.criterion_id: score for score in example.expert_scores.all()}
        for criterion in _criteria(assignment.rubric_id):
            mine = attempt.levels.get(str(criterion.pk))
            reference = expert.get(criterion.pk)
            rows.append(
                CalibrationRow(
                    criterion=criterion,
                    mine=mine,
                    mine_text=level_text(criterion, mine) if mine is not None else "",
                    expert=reference.level if reference else None,
                    expert_text=level_text(criterion, reference.level) if reference else "",
                    explanation=reference.explanation if reference else "",
                )
            )
    return CalibrationResult(example, attempt, rows, calibration)


# --- the review page --------------------------------------------------------------------


@dataclass
class ReviewPage:
    allocation: ReviewAllocation
    criteria: list[Criterion]
    current: SubmissionVersion | None
    review: Review | None
    scores: list[ScoreRow]
    calibration_needed: bool

    @property
    def assignment(self) -> Assignment:
        return self.allocation.assignment

    @property
    def withdrawn(self) -> bool:
        return self.allocation.state == AllocationState.WITHDRAWN

    @property
    def can_review(self) -> bool:
        return self.allocation.state == AllocationState.ASSIGNED and not self.calibration_needed

    @property
    def show_author(self) -> bool:
        return not self.assignment.anonymous_reviews


def review_page(user, allocation_pk: int) -> ReviewPage:
    """A review allocated to the user (no one else's, staff included: they read
    submissions on their own pages), with the submission's current version."""
    allocation = (
        policy.scope(user, ReviewAllocation.objects.all())
        .filter(pk=allocation_pk, reviewer=user)
        .select_related("assignment__cohort", "assignment__rubric", "submission__author", "review")
        .first()
    )
    if allocation is None:
        raise Http404("No such review.")
    assignment = allocation.assignment
    criteria = _criteria(assignment.rubric_id)
    review = getattr(allocation, "review", None)
    current = None
    if allocation.state != AllocationState.WITHDRAWN:
        # The reviewer reads the version they reviewed, or the current one while reviewing.
        number = review.submission_version if review is not None else allocation.submission.version
        current = (
            SubmissionVersion.objects.filter(submission_id=allocation.submission_id, number=number)
            .prefetch_related("attachments")
            .first()
        )
    scores = []
    if review is not None:
        scores = _score_rows(review, criteria)
    calibration_needed = (
        allocation.state == AllocationState.ASSIGNED
        and not allocation.is_self
        and not _calibration(user, assignment).done
    )
    return ReviewPage(allocation, criteria, current, review, scores, calibration_needed)


def review_get(user, pk: int) -> Review:
    """A review the user may see (an author sees the reviews of their work)."""
    review = (
        policy.scope(user, Review.objects.all())
        .select_related("submission__assignment__cohort")
        .filter(pk=pk)
        .first()
    )
    if review is None:
        raise Http404("No such review.")
    return review
