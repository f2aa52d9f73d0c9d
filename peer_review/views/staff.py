"""Facilitator and expert pages of peer review: the assignments of the cohorts someone
runs, the rubric editor, assignment forms, calibration examples and their reference
scores, the assignment dashboard with its grades export, expert checkpoints and
regrade requests.

Thin: peer_review.dashboard reads, the services write. A person who can see an object
but may not act on it gets a 403; an object they cannot see (another organisation's,
a cohort they have no part in) is a 404.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zoneinfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Max
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods, require_POST

from cohorts import selectors as cohort_selectors
from core import errors, policy
from core.portal import attempt, first_error, next_url, require

from .. import dashboard as reads
from .. import services
from ..models import AssignmentState, CaseState, Rubric
from ..staff_forms import (
    AssignmentForm,
    CheckpointForm,
    DisputeAnswerForm,
    ExampleForm,
    ExpertScoreForm,
    RubricForm,
    compacted,
    more_rows,
    posted_rows,
    rows_for,
    rubric_initial,
)


def _dashboard_url(assignment, anchor: str = "") -> str:
    return reverse("peer_review:dashboard", args=[assignment.pk]) + (f"#{anchor}" if anchor else "")


# --- the assignments of the cohorts someone runs --------------------------------------------


@login_required
def manage(request):
    user = request.user
    if not (policy.allows(user, "facilitation.dashboard") or policy.allows(user, "rubric.manage")):
        raise PermissionDenied
    return render(
        request,
        "peer_review/staff/manage.html",
        {"cohorts": reads.managed_cohorts(user), "can_rubrics": policy.allows(user, "rubric.manage")},
    )


# --- rubrics ----------------------------------------------------------------------------------


@login_required
def rubrics(request):
    require(request.user, "rubric.manage")
    return render(
        request, "peer_review/staff/rubrics.html", {"families": reads.rubric_families(request.user)}
    )


@login_required
@require_http_methods(["GET", "POST"])
def rubric_create(request):
    require(request.user, "rubric.manage")
    return _rubric_editor(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def rubric_edit(request, pk: int):
    rubric = reads.rubric_get(request.user, pk)
    require(request.user, "rubric.manage", rubric)
    return _rubric_editor(request, rubric)


def _rubric_editor(request, rubric: Rubric | None):
    """Fixed rows of criteria and levels; "More rows" shows the form again with more of
    them, keeping what was typed. Saving a frozen version makes the next version."""
    next_version = None
    if rubric is not None and rubric.frozen:
        next_version = (
            Rubric.objects.filter(family=rubric.family).aggregate(Max("version"))["version__max"] + 1
        )
    if request.method == "POST":
        criterion_rows, level_rows = posted_rows(request.POST)
        if "more_rows" in request.POST:
            criterion_rows, level_rows = more_rows(criterion_rows, level_rows)
            form = RubricForm(
                initial=request.POST.dict(), criterion_rows=criterion_rows, level_rows=level_rows
            )
        else:
            form = RubricForm(
                compacted(request.POST, criterion_rows, level_rows),
                criterion_rows=criterion_rows,
                level_rows=level_rows,
            )
            if form.is_valid():
                saved = _save_rubric(request, form, rubric)
                if saved is not None:
                    return redirect("peer_review:rubric_edit", pk=saved.pk)
    else:
        criteria = services.rubric_criteria_data(rubric) if rubric else []
        criterion_rows, level_rows = rows_for(criteria)
        form = RubricForm(
            initial=rubric_initial(rubric, criteria), criterion_rows=criterion_rows, level_rows=level_rows
        )
    return render(
        request,
        "peer_review/staff/rubric_form.html",
        {"form": form, "rubric": rubric, "next_version": next_version},
    )


def _save_rubric(request, form: RubricForm, rubric: Rubric | None) -> Rubric | None:
    data = form.cleaned_data
    fields = {"title": data["title"], "description": data["description"], "criteria": form.criteria()}
    try:
        if rubric is None:
            saved = services.rubric_create(actor=request.user, **fields)
        else:
            saved = services.rubric_update(actor=request.user, rubric=rubric, **fields)
    except errors.PermissionDenied as exc:
        raise PermissionDenied(exc.message) from exc
    except errors.ApplicationError as exc:
        form.apply_service_errors(exc)
        return None
    if rubric is not None and saved.pk != rubric.pk:
        messages.success(
            request,
            f"Saved as version {saved.version} of \u201c{saved.title}\u201d, a draft. "
            f"Version {rubric.version} stays as it was for the assignments using it; "
            "publish this one to use it in new assignments.",
        )
    elif saved.state == "draft":
        messages.success(
            request, f"\u201c{saved.title}\u201d is saved as a draft. Publish it to use it in assignments."
        )
    else:
        messages.success(request, f"\u201c{saved.title}\u201d is saved.")
    return saved


@login_required
@require_POST
def rubric_publish(request, pk: int):
    rubric = reads.rubric_get(request.user, pk)
    require(request.user, "rubric.manage", rubric)
    try:
        services.rubric_publish(actor=request.user, rubric=rubric)
    except errors.PermissionDenied as exc:
        raise PermissionDenied(exc.message) from exc
    except errors.ApplicationError as exc:
        messages.error(request, first_error(exc))
    else:
        messages.success(
            request,
            f"\u201c{rubric.title}\u201d (version {rubric.version}) is published: assignments can use it.",
        )
    return redirect(next_url(request, reverse("peer_review:rubrics")))


# --- assignments --------------------------------------------------------------------------------


def _default_windows(user) -> dict:
    """Submissions open at the next full hour and close a week later at 17:00; reviews a
    week after that (the facilitator's timezone)."""
    tz = zoneinfo.ZoneInfo(user.timezone or "UTC")
    now = timezone.now().astimezone(tz)
    opens = now.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    due = dt.datetime.combine(opens.date() + dt.timedelta(days=7), dt.time(17, 0), tzinfo=tz)
    return {
        "submission_opens_at": opens,
        "submission_due_at": due,
        "review_due_at": due + dt.timedelta(days=7),
    }


@login_required
@require_http_methods(["GET", "POST"])
def assignment_create(request, cohort_pk: int):
    cohort = cohort_selectors.cohort_get(request.user, cohort_pk)
    require(request.user, "assignment.manage", cohort)
    form = AssignmentForm(
        request.POST or None,
        tz=request.user.timezone or "UTC",
        rubrics=reads.rubric_choices(request.user),
        steps=reads.cohort_steps(cohort),
        initial=_default_windows(request.user),
    )
    if request.method == "POST" and form.is_valid():
        ok, assignment = attempt(
            form,
            services.assignment_create,
            actor=request.user,
            cohort=cohort,
            rubric=form.cleaned_data["rubric"],
            step=form.cleaned_data.get("step"),
            **form.service_fields(),
        )
        if ok:
            messages.success(
                request,
                f"\u201c{assignment.title}\u201d is saved as a draft. "
                + (
                    "Add its calibration examples and have an expert score them, then publish it."
                    if assignment.calibration_examples
                    else "Publish it when you are ready; learners see it then."
                ),
            )
            return redirect(_dashboard_url(assignment))
    return render(request, "peer_review/staff/assignment_form.html", {"form": form, "cohort": cohort})


def _assignment_initial(assignment) -> dict:
    return {name: getattr(assignment, name) for name in AssignmentForm.SERVICE_FIELDS} | {
        "rubric": assignment.rubric_id
    }


def _unchanged_times(assignment, fields: dict) -> dict:
    """The form shows times to the minute: a time given back unchanged keeps its seconds, so
    it does not count as a change (which a published assignment would refuse)."""
    for name in ("submission_opens_at", "submission_due_at", "review_due_at"):
        stored = getattr(assignment, name)
        if fields.get(name) == stored.replace(second=0, microsecond=0):
            fields[name] = stored
    return fields


@login_required
@require_http_methods(["GET", "POST"])
def assignment_edit(request, pk: int):
    assignment = reads.assignment_get(request.user, pk)
    require(request.user, "assignment.manage", assignment)
    form = AssignmentForm(
        request.POST or None,
        tz=request.user.timezone or "UTC",
        rubrics=reads.rubric_choices(request.user, current=assignment.rubric),
        initial=_assignment_initial(assignment),
    )
    if request.method == "POST" and form.is_valid():
        ok, _ = attempt(
            form,
            services.assignment_update,
            actor=request.user,
            assignment=assignment,
            rubric=form.cleaned_data["rubric"],
            **_unchanged_times(assignment, form.service_fields()),
        )
        if ok:
            messages.success(request, "The assignment is saved.")
            return redirect(_dashboard_url(assignment))
    return render(
        request,
        "peer_review/staff/assignment_form.html",
        {
            "form": form,
            "cohort": assignment.cohort,
            "assignment": assignment,
            "published": assignment.state == AssignmentState.PUBLISHED,
        },
    )


@login_required
@require_POST
def assignment_publish(request, pk: int):
    assignment = reads.assignment_get(request.user, pk)
    require(request.user, "assignment.manage", assignment)
    try:
        services.assignment_publish(actor=request.user, assignment=assignment)
    except errors.PermissionDenied as exc:
        raise PermissionDenied(exc.message) from exc
    except errors.ApplicationError as exc:
        for message in (m for msgs in exc.errors.values() for m in msgs) if exc.errors else [exc.message]:
            messages.error(request, message)
    else:
        messages.success(
            request,
            f"\u201c{assignment.title}\u201d is published: learners of {assignment.cohort.name} can submit "
            "once the window opens, and its rubric version is frozen.",
        )
    return redirect(_dashboard_url(assignment))


# --- calibration examples ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def example_create(request, pk: int):
    assignment = reads.assignment_get(request.user, pk)
    require(request.user, "assignment.expert", assignment)
    form = ExampleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ok, example = attempt(
            form, services.example_create, actor=request.user, assignment=assignment, **form.cleaned_data
        )
        if ok:
            messages.success(
                request,
                f"\u201c{example.title}\u201d is added. Now set its reference level on every criterion.",
            )
            return redirect("peer_review:example_score", pk=example.pk)
    return render(request, "peer_review/staff/example_form.html", {"form": form, "assignment": assignment})


@login_required
@require_http_methods(["GET", "POST"])
def example_score(request, pk: int):
    example = reads.example_get(request.user, pk)
    assignment = example.assignment
    require(request.user, "assignment.expert", assignment)
    criteria = reads.criteria_of(assignment.rubric_id)
    current = {score.criterion_id: score for score in example.expert_scores.select_related("scored_by")}
    form = ExpertScoreForm(
        request.POST or None,
        criteria=criteria,
        initial=ExpertScoreForm.initial_for(
            {pk: score.level for pk, score in current.items()},
            {pk: score.explanation for pk, score in current.items()},
        ),
    )
    if request.method == "POST" and form.is_valid():
        ok, _ = attempt(
            form, services.example_score, actor=request.user, example=example, scores=form.levels()
        )
        if ok:
            messages.success(request, f"The reference levels of \u201c{example.title}\u201d are saved.")
            return redirect(_dashboard_url(assignment, "examples"))
    scored = [(criterion, current.get(criterion.pk)) for criterion in criteria]
    return render(
        request,
        "peer_review/staff/example_score.html",
        {
            "form": form,
            "example": example,
            "assignment": assignment,
            "scored": scored,
            "locked": example.attempts.exists(),
        },
    )


# --- the dashboard and the grades export ------------------------------------------------------------


@login_required
def assignment_dashboard(request, pk: int):
    assignment = reads.assignment_get(request.user, pk)
    require(request.user, "assignment.dashboard", assignment)
    board = reads.dashboard(
        assignment, page=request.GET.get("page"), reviewer_page=request.GET.get("reviewers")
    )
    return render(
        request,
        "peer_review/staff/dashboard.html",
        {
            "assignment": assignment,
            "cohort": assignment.cohort,
            "board": board,
            "can_manage": policy.allows(request.user, "assignment.manage", assignment),
            "can_expert": policy.allows(request.user, "assignment.expert", assignment),
            "draft": assignment.state == AssignmentState.DRAFT,
        },
    )


def _csv_cell(value):
    """Text a spreadsheet would run as a formula is quoted with a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@login_required
def grades_csv(request, pk: int):
    assignment = reads.assignment_get(request.user, pk)
    require(request.user, "assignment.dashboard", assignment)
    header, rows = reads.grade_export(assignment)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([_csv_cell(value) for value in row] for row in rows)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    filename = f"{slugify(assignment.title) or 'assignment'}-grades.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- expert checkpoints and regrade requests ------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def checkpoint(request, pk: int):
    case = reads.checkpoint_get(request.user, pk)
    submission = case.submission
    require(request.user, "assignment.expert", submission.assignment)
    side = reads.reviews_side_by_side(submission)
    form = None
    if case.state == CaseState.OPEN:
        form = CheckpointForm(
            request.POST or None,
            criteria=side.criteria,
            initial=CheckpointForm.initial_for({row.criterion.pk: row.suggested for row in side.rows}),
        )
        if request.method == "POST" and form.is_valid():
            ok, grade = attempt(
                form,
                services.checkpoint_resolve,
                actor=request.user,
                checkpoint=case,
                levels=form.levels(),
                reason=form.cleaned_data["reason"],
            )
            if ok:
                messages.success(
                    request,
                    f"The grade of {submission.author.display_name}'s work is final: "
                    f"{grade.percentage:.0f}%. They can see the levels and your reasons.",
                )
                return redirect(next_url(request, reverse("peer_review:checkpoint", args=[case.pk])))
    elif request.method == "POST":
        messages.info(request, "This checkpoint has already been resolved.")
        return redirect("peer_review:checkpoint", pk=case.pk)
    return render(
        request,
        "peer_review/staff/checkpoint.html",
        {
            "case": case,
            "submission": submission,
            "assignment": submission.assignment,
            "side": side,
            "form": form,
            "next": next_url(request, ""),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def dispute_answer(request, pk: int):
    dispute = reads.dispute_get(request.user, pk)
    submission = dispute.submission
    require(request.user, "assignment.expert", submission.assignment)
    side = reads.reviews_side_by_side(submission)
    form = None
    if dispute.state == CaseState.OPEN:
        form = DisputeAnswerForm(
            request.POST or None,
            criteria=side.criteria,
            initial=DisputeAnswerForm.initial_for({row.criterion.pk: row.suggested for row in side.rows}),
        )
        if request.method == "POST" and form.is_valid():
            ok, _ = attempt(
                form,
                services.dispute_resolve,
                actor=request.user,
                dispute=dispute,
                outcome=form.cleaned_data["outcome"],
                response=form.cleaned_data["response"],
                levels=form.levels(),
            )
            if ok:
                messages.success(request, f"Your answer is sent to {submission.author.display_name}.")
                return redirect(next_url(request, reverse("peer_review:dispute_answer", args=[dispute.pk])))
    elif request.method == "POST":
        messages.info(request, "This regrade request has already been answered.")
        return redirect("peer_review:dispute_answer", pk=dispute.pk)
    return render(
        request,
        "peer_review/staff/dispute.html",
        {
            "dispute": dispute,
            "submission": submission,
            "assignment": submission.assignment,
            "side": side,
            "form": form,
            "next": next_url(request, ""),
        },
    )


urlpatterns = [
    path("manage/", manage, name="manage"),
    path("manage/rubrics/", rubrics, name="rubrics"),
    path("manage/rubrics/new/", rubric_create, name="rubric_create"),
    path("manage/rubrics/<int:pk>/edit/", rubric_edit, name="rubric_edit"),
    path("manage/rubrics/<int:pk>/publish/", rubric_publish, name="rubric_publish"),
    path("manage/cohorts/<int:cohort_pk>/new/", assignment_create, name="assignment_create"),
    path("manage/<int:pk>/", assignment_dashboard, name="dashboard"),
    path("manage/<int:pk>/edit/", assignment_edit, name="assignment_edit"),
    path("manage/<int:pk>/publish/", assignment_publish, name="assignment_publish"),
    path("manage/<int:pk>/grades.csv", grades_csv, name="grades_csv"),
    path("manage/<int:pk>/examples/new/", example_create, name="example_create"),
    path("manage/examples/<int:pk>/score/", example_score, name="example_score"),
    path("manage/checkpoints/<int:pk>/", checkpoint, name="checkpoint"),
    path("manage/disputes/<int:pk>/", dispute_answer, name="dispute_answer"),
]
