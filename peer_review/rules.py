"""The peer review app's part of the policy: who builds rubrics, runs assignments,
scores calibration examples, resolves checkpoints and regrade requests, takes part,
and which rows each person sees. Registered into core.policy, the one place that
decides access.

* HR admins: everything in their organisation.
* Facilitators of a cohort: its assignments, examples, dashboard, checkpoints and
  regrade requests; they and experts build rubrics.
* Experts of a cohort: add and score its calibration examples, resolve its
  checkpoints and regrade requests, see its dashboard.
* Learners and peer mentors of a cohort: take part in its published assignments;
  they see their own submission and grade, the submissions they were allocated and
  the reviews of their own work.
* Analysts: read the dashboards (agreement, counts), not the work itself.
"""

from django.db.models import Q

from cohorts.models import CohortRole
from core import policy

from .models import (
    Assignment,
    AssignmentState,
    CalibrationExample,
    Checkpoint,
    Dispute,
    Grade,
    Review,
    ReviewAllocation,
    Rubric,
    RubricState,
    Submission,
    SubmissionAttachment,
)

STAFF_ROLES = (CohortRole.FACILITATOR, CohortRole.EXPERT)
PARTICIPANT_ROLES = (CohortRole.LEARNER, CohortRole.PEER_MENTOR)

policy.register_tenant(Rubric, lambda rubric: rubric.organization_id)
policy.register_tenant(Assignment, lambda assignment: assignment.cohort.organization_id)
policy.register_tenant(CalibrationExample, lambda example: example.assignment.cohort.organization_id)
policy.register_tenant(Submission, lambda submission: submission.assignment.cohort.organization_id)
policy.register_tenant(ReviewAllocation, lambda allocation: allocation.assignment.cohort.organization_id)
policy.register_tenant(Review, lambda review: review.submission.assignment.cohort.organization_id)
policy.register_tenant(Checkpoint, lambda checkpoint: checkpoint.submission.assignment.cohort.organization_id)
policy.register_tenant(Dispute, lambda dispute: dispute.submission.assignment.cohort.organization_id)
policy.register_tenant(
    SubmissionAttachment, lambda attachment: attachment.version.submission.assignment.cohort.organization_id
)


def _cohort_id(obj) -> int | None:
    """The cohort of an assignment or of anything hanging off one."""
    if obj is None:
        return None
    if isinstance(obj, Assignment):
        return obj.cohort_id
    if isinstance(obj, CalibrationExample | Submission | ReviewAllocation):
        return obj.assignment.cohort_id
    if isinstance(obj, Review | Checkpoint | Dispute):
        return obj.submission.assignment.cohort_id
    return getattr(obj, "pk", None)  # a cohort


def _staff_of(roles: policy.Roles, cohort_id: int | None) -> bool:
    return roles.cohort_roles.get(cohort_id) in STAFF_ROLES


@policy.rule("rubric.manage")
def _builds_rubrics(user, roles: policy.Roles, obj) -> bool:
    """HR admins, and anyone who facilitates or is an expert in some cohort."""
    return roles.is_hr_admin or any(role in STAFF_ROLES for role in roles.cohort_roles.values())


@policy.rule("assignment.manage")
def _runs_assignments(user, roles: policy.Roles, obj) -> bool:
    """Create, edit and publish assignments and their calibration examples (obj: a
    cohort or an assignment)."""
    return roles.is_hr_admin or (obj is not None and _cohort_id(obj) in roles.facilitated_cohort_ids)


@policy.rule("assignment.expert")
def _grades_as_expert(user, roles: policy.Roles, obj) -> bool:
    """Score calibration examples, resolve checkpoints and regrade requests, read
    every submission and review of the assignment."""
    return roles.is_hr_admin or (obj is not None and _staff_of(roles, _cohort_id(obj)))


@policy.rule("assignment.dashboard")
def _reads_dashboard(user, roles: policy.Roles, obj) -> bool:
    return roles.is_hr_admin or roles.is_analyst or (obj is not None and _staff_of(roles, _cohort_id(obj)))


@policy.rule("assignment.participate")
def _takes_part(user, roles: policy.Roles, assignment) -> bool:
    """Submit, calibrate, review: learners and peer mentors of the cohort, once published."""
    return (
        assignment is not None
        and assignment.state == AssignmentState.PUBLISHED
        and roles.cohort_roles.get(assignment.cohort_id) in PARTICIPANT_ROLES
    )


@policy.rule("submission.view")
def _reads_submission(user, roles: policy.Roles, submission) -> bool:
    """Its author, the staff of the cohort and whoever is (or was) allocated to review it.
    Reviewers are checked with a query: call this for one submission, not a list."""
    if submission is None:
        return False
    if submission.author_id == user.pk or _grades_as_expert(user, roles, submission):
        return True
    return submission.allocations.filter(reviewer=user).exclude(state="withdrawn").exists()


def _scope_rubrics(qs, user, roles):
    qs = qs.filter(organization_id=roles.organization_id)
    if _builds_rubrics(user, roles, None):
        return qs
    # Learners read the published rubrics of assignments they can see.
    return qs.filter(
        state=RubricState.PUBLISHED, assignments__cohort_id__in=list(roles.cohort_roles)
    ).distinct()


def _scope_assignments(qs, user, roles):
    qs = qs.filter(cohort__organization_id=roles.organization_id)
    if roles.is_hr_admin or roles.is_analyst:
        return qs
    staff = [cid for cid, role in roles.cohort_roles.items() if role in STAFF_ROLES]
    return qs.filter(
        Q(cohort_id__in=staff) | Q(cohort_id__in=list(roles.cohort_roles), state=AssignmentState.PUBLISHED)
    )


def _staff_cohorts(roles) -> list[int]:
    return [cid for cid, role in roles.cohort_roles.items() if role in STAFF_ROLES]


def _scope_submissions(qs, user, roles):
    qs = qs.filter(assignment__cohort__organization_id=roles.organization_id)
    if roles.is_hr_admin:
        return qs
    reviewing = (
        ReviewAllocation.objects.filter(reviewer=user).exclude(state="withdrawn").values("submission_id")
    )
    return qs.filter(
        Q(author=user) | Q(assignment__cohort_id__in=_staff_cohorts(roles)) | Q(pk__in=reviewing)
    )


def _scope_allocations(qs, user, roles):
    qs = qs.filter(assignment__cohort__organization_id=roles.organization_id)
    if roles.is_hr_admin:
        return qs
    return qs.filter(Q(reviewer=user) | Q(assignment__cohort_id__in=_staff_cohorts(roles)))


def _scope_reviews(qs, user, roles):
    """Staff see every review; a reviewer their own; an author the reviews of their work."""
    qs = qs.filter(submission__assignment__cohort__organization_id=roles.organization_id)
    if roles.is_hr_admin:
        return qs
    return qs.filter(
        Q(reviewer=user)
        | Q(submission__author=user)
        | Q(submission__assignment__cohort_id__in=_staff_cohorts(roles))
    )


def _scope_cases(qs, user, roles):
    """Checkpoints, regrade requests and grades: the author's own and the staff's."""
    qs = qs.filter(submission__assignment__cohort__organization_id=roles.organization_id)
    if roles.is_hr_admin:
        return qs
    return qs.filter(
        Q(submission__author=user) | Q(submission__assignment__cohort_id__in=_staff_cohorts(roles))
    )


def _scope_examples(qs, user, roles):
    qs = qs.filter(assignment__cohort__organization_id=roles.organization_id)
    if roles.is_hr_admin:
        return qs
    return qs.filter(
        Q(assignment__cohort_id__in=_staff_cohorts(roles))
        | Q(assignment__cohort_id__in=list(roles.cohort_roles), assignment__state=AssignmentState.PUBLISHED)
    )


policy.register_scope(Rubric, _scope_rubrics)
policy.register_scope(Assignment, _scope_assignments)
policy.register_scope(CalibrationExample, _scope_examples)
policy.register_scope(Submission, _scope_submissions)
policy.register_scope(ReviewAllocation, _scope_allocations)
policy.register_scope(Review, _scope_reviews)
policy.register_scope(Checkpoint, _scope_cases)
policy.register_scope(Dispute, _scope_cases)
policy.register_scope(Grade, _scope_cases)
