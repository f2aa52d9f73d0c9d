"""Reads of the facilitator and expert pages of peer review: the assignments of the
cohorts someone runs, the organisation's rubrics, an assignment's dashboard, the grades
export and a submission's reviews side by side (for checkpoints and regrade requests).

Every read is a fixed number of queries however many submissions, reviews or
reviewers there are: a few flat queries, aggregated in Python. Lists that grow with
the cohort (the allocation table, the reviewers) come a page at a time, and the
open cases the oldest first up to a limit, with their total.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from cohorts.models import Cohort, CohortStep
from core import policy

from .agreement import krippendorff_alpha_ordinal
from .models import (
    AllocationState,
    Assignment,
    CalibrationExample,
    CaseState,
    Checkpoint,
    Criterion,
    CriterionGrade,
    Dispute,
    Grade,
    GradeState,
    Level,
    Review,
    ReviewAllocation,
    ReviewerRecord,
    ReviewScore,
    Rubric,
    RubricState,
    Submission,
    SubmissionVersion,
)
from .rules import STAFF_ROLES

PAGE_SIZE = 50
CASE_LIMIT = 50


def level_number(level: float | None) -> str:
    """A level index (0-based, possibly half-way between two) as people count levels: from 1."""
    return "" if level is None else f"{level + 1:g}"


# --- single objects, scoped by the policy -----------------------------------------


def _visible(user, queryset: QuerySet, pk: int, what: str):
    found = policy.scope(user, queryset).filter(pk=pk).first()
    if found is None:
        raise Http404(f"No such {what}.")
    return found


def assignment_get(user, pk: int) -> Assignment:
    return _visible(
        user, Assignment.objects.select_related("cohort__organization", "rubric", "step"), pk, "assignment"
    )


def rubric_get(user, pk: int) -> Rubric:
    return _visible(user, Rubric.objects.select_related("organization"), pk, "rubric")


def example_get(user, pk: int) -> CalibrationExample:
    return _visible(
        user,
        CalibrationExample.objects.select_related("assignment__cohort__organization", "assignment__rubric"),
        pk,
        "calibration example",
    )


_CASE_RELATED = (
    "submission__author",
    "submission__assignment__cohort__organization",
    "submission__assignment__rubric",
    "resolved_by",
)


def checkpoint_get(user, pk: int) -> Checkpoint:
    return _visible(user, Checkpoint.objects.select_related(*_CASE_RELATED), pk, "checkpoint")


def dispute_get(user, pk: int) -> Dispute:
    return _visible(user, Dispute.objects.select_related(*_CASE_RELATED), pk, "regrade request")


def criteria_of(rubric_id: int) -> list[Criterion]:
    """A rubric's criteria in order, each with its levels (two queries)."""
    return list(
        Criterion.objects.filter(rubric_id=rubric_id)
        .order_by("order", "pk")
        .prefetch_related(Prefetch("levels", queryset=Level.objects.order_by("order", "pk")))
    )


def rubric_choices(user, current: Rubric | None = None) -> QuerySet[Rubric]:
    """Rubrics an assignment may use: the organisation's published ones (and the one it uses)."""
    wanted = Q(state=RubricState.PUBLISHED)
    if current is not None:
        wanted |= Q(pk=current.pk)
    return policy.scope(user, Rubric.objects.filter(wanted)).order_by("title", "-version")


def cohort_steps(cohort: Cohort) -> QuerySet[CohortStep]:
    return CohortStep.objects.filter(cohort=cohort).order_by("opens_on", "pk")


# --- the assignments of the cohorts someone runs -------------------------------------


@dataclass
class AssignmentSummary:
    assignment: Assignment
    submissions: int = 0
    reviews_done: int = 0
    reviews_missing: int = 0
    open_checkpoints: int = 0
    open_disputes: int = 0


@dataclass
class CohortAssignments:
    cohort: Cohort
    can_create: bool
    assignments: list[AssignmentSummary] = field(default_factory=list)


def _run_cohorts(user) -> QuerySet[Cohort]:
    """The cohorts whose peer review someone runs: all of the organisation's for HR admins
    (and operators), else those they facilitate or are an expert in."""
    roles = policy.roles(user)
    cohorts = policy.scope(user, Cohort.objects.all())
    if not (roles.is_hr_admin or policy.is_operator(user)):
        staff = [cid for cid, role in roles.cohort_roles.items() if role in STAFF_ROLES]
        cohorts = cohorts.filter(pk__in=staff)
    return cohorts


def managed_cohorts(user) -> list[CohortAssignments]:
    """Per cohort run, its assignments (drafts first, then latest due) with their counts.
    Six queries: cohorts, assignments, and one grouped count per figure."""
    cohorts = list(_run_cohorts(user).order_by("state", "-start_date", "pk"))
    assignments = list(
        Assignment.objects.filter(cohort__in=cohorts)
        .select_related("rubric")
        .order_by("state", "-submission_due_at", "pk")
    )
    summaries = {a.pk: AssignmentSummary(a) for a in assignments}
    ids = list(summaries)
    if ids:
        for pk, count in _grouped(Submission.objects.filter(assignment_id__in=ids), "assignment_id"):
            summaries[pk].submissions = count
        for pk, state, count in (
            ReviewAllocation.objects.filter(assignment_id__in=ids, is_self=False)
            .exclude(state=AllocationState.WITHDRAWN)
            .values_list("assignment_id", "state")
            .annotate(count=Count("pk"))
            .order_by()
        ):
            if state == AllocationState.SUBMITTED:
                summaries[pk].reviews_done = count
            else:
                summaries[pk].reviews_missing = count
        open_cases = Q(state=CaseState.OPEN, submission__assignment_id__in=ids)
        for pk, count in _grouped(Checkpoint.objects.filter(open_cases), "submission__assignment_id"):
            summaries[pk].open_checkpoints = count
        for pk, count in _grouped(Dispute.objects.filter(open_cases), "submission__assignment_id"):
            summaries[pk].open_disputes = count
    by_cohort = {
        cohort.pk: CohortAssignments(cohort, policy.allows(user, "assignment.manage", cohort))
        for cohort in cohorts
    }
    for assignment in assignments:
        by_cohort[assignment.cohort_id].assignments.append(summaries[assignment.pk])
    return list(by_cohort.values())


def _grouped(queryset: QuerySet, key: str):
    return queryset.values_list(key).annotate(count=Count("pk")).order_by()


# --- rubrics ----------------------------------------------------------------------------


@dataclass
class RubricFamily:
    """Every version of one rubric, latest first."""

    versions: list[Rubric]

    @property
    def latest(self) -> Rubric:
        return self.versions[0]


def rubric_families(user) -> list[RubricFamily]:
    """The organisation's rubrics, one entry per family, by the latest version's title. One query."""
    rubrics = (
        policy.scope(user, Rubric.objects.all())
        .annotate(
            criteria_count=Count("criteria", distinct=True),
            assignment_count=Count("assignments", distinct=True),
        )
        .order_by("family", "-version")
    )
    families: dict = defaultdict(list)
    for rubric in rubrics:
        families[rubric.family].append(rubric)
    return sorted(
        (RubricFamily(versions) for versions in families.values()),
        key=lambda family: (family.latest.title.lower(), family.latest.pk),
    )


# --- an assignment's dashboard -------------------------------------------------------------


@dataclass
class Counts:
    submissions: int
    late: int
    reviews_done: int
    reviews_in_force: int
    reviews_missing: int
    reviews_overdue: int
    reallocated: int
    self_assessments: int
    final_grades: int
    waiting_for_expert: int
    open_checkpoints: int
    open_disputes: int


@dataclass
class ReviewerCell:
    allocation: ReviewAllocation
    overdue: bool


@dataclass
class SubmissionRow:
    submission: Submission
    reviewers: list[ReviewerCell]
    grade: Grade | None
    open_checkpoint_id: int | None
    open_dispute_id: int | None


@dataclass
class CriterionAgreement:
    criterion: Criterion | None  # None: all criteria together
    alpha: float | None  # None: not enough data to compute it
    units: int  # submissions (or submission criteria) with at least two peer levels


@dataclass
class ExampleState:
    example: CalibrationExample
    scored: int
    attempts: int
    criteria: int

    @property
    def complete(self) -> bool:
        return self.scored >= self.criteria


@dataclass
class Dashboard:
    assignment: Assignment
    criteria: list[Criterion]
    counts: Counts
    submissions: Page  # of SubmissionRow
    reviewers: Page  # of ReviewerRecord
    agreement: list[CriterionAgreement]
    overall: CriterionAgreement
    checkpoints: list[Checkpoint]
    disputes: list[Dispute]
    examples: list[ExampleState]

    @property
    def examples_ready(self) -> int:
        return sum(1 for state in self.examples if state.complete)


def dashboard(
    assignment: Assignment,
    *,
    page: int | str | None = 1,
    reviewer_page: int | str | None = 1,
    now: dt.datetime | None = None,
) -> Dashboard:
    """Everything the assignment dashboard shows, in 15 queries whatever the size."""
    now = now or timezone.now()
    criteria = criteria_of(assignment.rubric_id)
    counts = _counts(assignment, now)
    rows = _submission_page(assignment, page, now)
    reviewers = Paginator(
        ReviewerRecord.objects.filter(assignment=assignment)
        .select_related("reviewer")
        .order_by("reviewer__full_name", "reviewer__email", "pk"),
        PAGE_SIZE,
    ).get_page(reviewer_page)
    agreement, overall = inter_rater_agreement(assignment, criteria)
    checkpoints = list(_open_cases(Checkpoint, assignment)[:CASE_LIMIT])
    disputes = list(_open_cases(Dispute, assignment)[:CASE_LIMIT])
    examples = [
        ExampleState(example, example.scored, example.attempt_count, len(criteria))
        for example in CalibrationExample.objects.filter(assignment=assignment)
        .annotate(
            scored=Count("expert_scores", distinct=True), attempt_count=Count("attempts", distinct=True)
        )
        .order_by("order", "pk")
    ]
    return Dashboard(
        assignment=assignment,
        criteria=criteria,
        counts=counts,
        submissions=rows,
        reviewers=reviewers,
        agreement=agreement,
        overall=overall,
        checkpoints=checkpoints,
        disputes=disputes,
        examples=examples,
    )


def _open_cases(model, assignment: Assignment) -> QuerySet:
    """Open checkpoints or regrade requests, the longest waiting first."""
    return (
        model.objects.filter(submission__assignment=assignment, state=CaseState.OPEN)
        .select_related("submission__author")
        .order_by("created_at", "pk")
    )


def _counts(assignment: Assignment, now: dt.datetime) -> Counts:
    submissions = Submission.objects.filter(assignment=assignment).aggregate(
        total=Count("pk"), late=Count("pk", filter=Q(late=True))
    )
    peer = Q(is_self=False)
    assigned = peer & Q(state=AllocationState.ASSIGNED)
    allocations = ReviewAllocation.objects.filter(assignment=assignment).aggregate(
        done=Count("pk", filter=peer & Q(state=AllocationState.SUBMITTED)),
        in_force=Count("pk", filter=peer & ~Q(state=AllocationState.WITHDRAWN)),
        missing=Count("pk", filter=assigned),
        overdue=Count("pk", filter=assigned & Q(due_at__lt=now)),
        reallocated=Count("pk", filter=peer & Q(state=AllocationState.WITHDRAWN)),
        self_assessments=Count("pk", filter=Q(is_self=True)),
    )
    grades = Grade.objects.filter(submission__assignment=assignment).aggregate(
        final=Count("pk", filter=Q(state=GradeState.FINAL)),
        checkpoint=Count("pk", filter=Q(state=GradeState.CHECKPOINT)),
    )
    cases = Submission.objects.filter(assignment=assignment).aggregate(
        checkpoints=Count("checkpoints", filter=Q(checkpoints__state=CaseState.OPEN), distinct=True),
        disputes=Count("disputes", filter=Q(disputes__state=CaseState.OPEN), distinct=True),
    )
    return Counts(
        submissions=submissions["total"],
        late=submissions["late"],
        reviews_done=allocations["done"],
        reviews_in_force=allocations["in_force"],
        reviews_missing=allocations["missing"],
        reviews_overdue=allocations["overdue"],
        reallocated=allocations["reallocated"],
        self_assessments=allocations["self_assessments"],
        final_grades=grades["final"],
        waiting_for_expert=grades["checkpoint"],
        open_checkpoints=cases["checkpoints"],
        open_disputes=cases["disputes"],
    )


def _submission_page(assignment: Assignment, page: int | str | None, now: dt.datetime) -> Page:
    """One page of the allocation table: each submission with its reviewers and grade."""
    open_case = {"submission": OuterRef("pk"), "state": CaseState.OPEN}
    submissions = (
        Submission.objects.filter(assignment=assignment)
        .select_related("author", "grade")
        .annotate(
            open_checkpoint_id=Subquery(Checkpoint.objects.filter(**open_case).values("pk")[:1]),
            open_dispute_id=Subquery(Dispute.objects.filter(**open_case).values("pk")[:1]),
        )
        .order_by("author__full_name", "author__email", "pk")
    )
    result = Paginator(submissions, PAGE_SIZE).get_page(page)
    on_page = list(result.object_list)
    allocations = defaultdict(list)
    for allocation in (
        ReviewAllocation.objects.filter(submission_id__in=[s.pk for s in on_page])
        .select_related("reviewer")
        .order_by("is_self", "round", "allocated_at", "pk")
    ):
        overdue = allocation.state == AllocationState.ASSIGNED and allocation.due_at < now
        allocations[allocation.submission_id].append(ReviewerCell(allocation, overdue))
    result.object_list = [
        SubmissionRow(
            submission=submission,
            reviewers=allocations[submission.pk],
            grade=getattr(submission, "grade", None),
            open_checkpoint_id=submission.open_checkpoint_id,
            open_dispute_id=submission.open_dispute_id,
        )
        for submission in on_page
    ]
    return result


def inter_rater_agreement(
    assignment: Assignment, criteria: list[Criterion]
) -> tuple[list[CriterionAgreement], CriterionAgreement]:
    """Krippendorff's alpha (ordinal) of the submitted peer reviews' levels, per criterion
    (units: submissions) and over all criteria (units: a submission's criterion). One query.

    Alpha depends only on which values each unit received, not on who gave them, so each
    unit's levels are laid out in as many rows as its most-reviewed unit has reviews rather
    than one row per reviewer: the same result without a reviewers x submissions table."""
    levels: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for submission_id, criterion_id, level in ReviewScore.objects.filter(
        review__submission__assignment=assignment, review__is_self=False
    ).values_list("review__submission_id", "criterion_id", "level"):
        levels[criterion_id][submission_id].append(level)
    per_criterion = [_alpha(criterion, list(levels[criterion.pk].values())) for criterion in criteria]
    pooled = [unit for criterion in criteria for unit in levels[criterion.pk].values()]
    return per_criterion, _alpha(None, pooled)


def _alpha(criterion: Criterion | None, units: list[list[int]]) -> CriterionAgreement:
    pairable = sum(1 for unit in units if len(unit) >= 2)
    if not units:
        return CriterionAgreement(criterion, None, 0)
    depth = max(len(unit) for unit in units)
    rows = [[unit[slot] if slot < len(unit) else None for unit in units] for slot in range(depth)]
    try:
        alpha = krippendorff_alpha_ordinal(rows)
    except ValueError:
        return CriterionAgreement(criterion, None, pairable)
    # NaN: every pairable level was the same, so agreement beyond chance is undefined.
    return CriterionAgreement(criterion, None if math.isnan(alpha) else alpha, pairable)


# --- the grades export ---------------------------------------------------------------------


GRADE_STATES = {GradeState.FINAL: "final", GradeState.CHECKPOINT: "waiting for an expert"}


def grade_export(assignment: Assignment) -> tuple[list[str], list[list]]:
    """(header, rows) of the grades CSV: one row per submission. Three queries."""
    criteria = list(Criterion.objects.filter(rubric_id=assignment.rubric_id).order_by("order", "pk"))
    per_criterion: dict[int, dict[int, tuple[float, float]]] = defaultdict(dict)
    for submission_id, criterion_id, level, points in CriterionGrade.objects.filter(
        grade__submission__assignment=assignment
    ).values_list("grade__submission_id", "criterion_id", "level", "points"):
        per_criterion[submission_id][criterion_id] = (level, points)
    header = [
        "Author",
        "Email",
        "Submitted at",
        "Version",
        "Late",
        "State",
        "Percentage",
        "Points",
        "Max points",
        "Method",
        "Reviews counted",
    ]
    for criterion in criteria:
        header += [f"{criterion.title}: level", f"{criterion.title}: points"]
    rows = []
    for submission in (
        Submission.objects.filter(assignment=assignment)
        .select_related("author", "grade")
        .order_by("author__full_name", "author__email", "pk")
    ):
        grade = getattr(submission, "grade", None)
        row = [
            submission.author.display_name,
            submission.author.email,
            submission.updated_at.astimezone(dt.UTC).isoformat(timespec="seconds"),
            submission.version,
            "yes" if submission.late else "no",
            GRADE_STATES.get(grade.state, grade.state) if grade else "no grade yet",
            f"{grade.percentage:.2f}" if grade else "",
            f"{grade.points:g}" if grade else "",
            f"{grade.max_points:g}" if grade else "",
            grade.method if grade else "",
            grade.reviews_counted if grade else "",
        ]
        graded = per_criterion.get(submission.pk, {})
        for criterion in criteria:
            level, points = graded.get(criterion.pk, (None, None))
            row += [level_number(level), "" if points is None else f"{points:g}"]
        rows.append(row)
    return header, rows


# --- a submission's reviews side by side -----------------------------------------------------


@dataclass
class ReviewColumn:
    review: Review
    weight: float | None


@dataclass
class ReviewCell:
    level: Level | None
    number: str
    comment: str


@dataclass
class CriterionRow:
    criterion: Criterion
    levels: list[Level]
    cells: list[ReviewCell]
    grade: CriterionGrade | None

    @property
    def peer_level(self) -> str:
        return level_number(self.grade.peer_level) if self.grade else ""

    @property
    def final_level(self) -> str:
        return level_number(self.grade.level) if self.grade else ""

    @property
    def suggested(self) -> int | None:
        """The level a form starts on: the current final level, else the peers', rounded."""
        return None if self.grade is None else round(self.grade.level)


@dataclass
class ReviewsSideBySide:
    submission: Submission
    version: SubmissionVersion | None
    columns: list[ReviewColumn]
    rows: list[CriterionRow]
    grade: Grade | None
    criteria: list[Criterion]


def reviews_side_by_side(submission: Submission) -> ReviewsSideBySide:
    """The current version of a submission, every review of it (criteria as rows, reviewers
    as columns) and its grade per criterion. Nine queries."""
    version = (
        SubmissionVersion.objects.filter(submission=submission, number=submission.version)
        .prefetch_related("attachments")
        .first()
    )
    reviews = list(
        Review.objects.filter(submission=submission)
        .select_related("reviewer")
        .prefetch_related("scores")
        .order_by("is_self", "submitted_at", "pk")
    )
    weights = dict(
        ReviewerRecord.objects.filter(
            assignment_id=submission.assignment_id, reviewer_id__in=[r.reviewer_id for r in reviews]
        ).values_list("reviewer_id", "weight")
    )
    grade = Grade.objects.filter(submission=submission).prefetch_related("criteria").first()
    graded = {row.criterion_id: row for row in grade.criteria.all()} if grade else {}
    criteria = criteria_of(submission.assignment.rubric_id)
    rows = []
    for criterion in criteria:
        levels = list(criterion.levels.all())
        cells = []
        for review in reviews:
            score = next((s for s in review.scores.all() if s.criterion_id == criterion.pk), None)
            level = levels[score.level] if score is not None and score.level < len(levels) else None
            cells.append(
                ReviewCell(level, level_number(score.level) if score else "", score.comment if score else "")
            )
        rows.append(CriterionRow(criterion, levels, cells, graded.get(criterion.pk)))
    return ReviewsSideBySide(
        submission=submission,
        version=version,
        columns=[
            ReviewColumn(review, None if review.is_self else weights.get(review.reviewer_id))
            for review in reviews
        ],
        rows=rows,
        grade=grade,
        criteria=criteria,
    )
