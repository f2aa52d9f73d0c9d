"""Learner pages of peer review: the list of assignments, an assignment's page
(submit and resubmit, versions, reviews to do, the grade and its reviews, usefulness
ratings, regrade requests, one's own reviewing), calibration, and reviewing a peer.

Thin: selectors read, services write. Every action is a plain form post that
redirects, or shows the page again with the service's messages on the form and
what the person typed kept. An object the person cannot see is a 404; one they can
see but may not act on is a 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.portal import attempt, require

from .. import selectors, services
from ..grading import METHOD_EXPLANATION
from ..learner_forms import CalibrationForm, DisputeForm, RatingForm, ReviewForm, SubmissionForm

# How calibration accuracy is worked out (calibration.calibration_accuracy), in the words learners read.
ACCURACY_DEFINITION = (
    "Calibration accuracy is 1 minus the average distance between your level and the expert's, "
    "as a share of the scale: on each criterion, the number of levels you were apart divided by "
    "the largest possible gap on that criterion. Matching the expert everywhere gives 100%; "
    "picking the opposite end of every scale gives 0%."
)


def _assignment_url(pk: int, anchor: str = "") -> str:
    url = reverse("peer_review:assignment", args=[pk])
    return f"{url}#{anchor}" if anchor else url


# --- the list and the assignment page ------------------------------------------------


@login_required
@require_GET
def assignment_list(request):
    return render(request, "peer_review/learner/list.html", {"rows": selectors.assignment_list(request.user)})


def _submission_form(page, data=None, files=None) -> SubmissionForm:
    current = page.current
    initial = {"body": current.body} if current is not None else {}
    attachments = current.attachments.all() if current is not None else ()
    return SubmissionForm(data, files, initial=initial, current_attachments=attachments)


def _rating_form(received, data=None) -> RatingForm:
    rating = received.rating
    initial = {"rating": rating.rating, "comment": rating.comment} if rating is not None else {}
    return RatingForm(data, initial=initial, prefix=f"rate-{received.review.pk}")


def _render_assignment(
    request, page, *, submission_form=None, dispute_form=None, rating_forms=None, files_dropped=False
):
    """The assignment page; a form passed in (bound, with errors) replaces the fresh one."""
    rating_forms = rating_forms or {}
    for received in page.reviews:
        received.form = rating_forms.get(received.review.pk) or _rating_form(received)
    return render(
        request,
        "peer_review/learner/assignment.html",
        {
            "page": page,
            "assignment": page.assignment,
            "progress": page.progress,
            "submission_form": submission_form or _submission_form(page),
            "dispute_form": dispute_form or DisputeForm(),
            "method_explanation": METHOD_EXPLANATION,
            "accuracy_definition": ACCURACY_DEFINITION,
            "files_dropped": files_dropped,
        },
    )


@login_required
@require_GET
def assignment(request, pk: int):
    return _render_assignment(request, selectors.assignment_page(request.user, pk))


@login_required
@require_POST
def submit(request, pk: int):
    page = selectors.assignment_page(request.user, pk)
    require(request.user, "assignment.participate", page.assignment)
    form = _submission_form(page, request.POST, request.FILES)
    if form.is_valid():
        ok, submission = attempt(
            form,
            services.submission_save,
            actor=request.user,
            assignment=page.assignment,
            body=form.cleaned_data["body"],
            attachments=form.cleaned_data["attachments"],
            remove_attachment_ids=form.removed_ids(),
        )
        if ok:
            if submission.version == 1:
                messages.success(request, "Your submission is in.")
            else:
                messages.success(
                    request,
                    f"Version {submission.version} is saved; earlier versions stay listed on this page.",
                )
            return redirect(_assignment_url(pk, "submission"))
    # Browsers do not keep chosen files across a page load: the page asks for them again.
    return _render_assignment(request, page, submission_form=form, files_dropped=bool(request.FILES))


@login_required
@require_POST
def rate(request, pk: int):
    """The author rates how useful a review of their work was."""
    review = selectors.review_get(request.user, pk)
    form = RatingForm(request.POST, prefix=f"rate-{review.pk}")
    if form.is_valid():
        ok, _ = attempt(
            form,
            services.usefulness_rate,
            actor=request.user,
            review=review,
            rating=form.cleaned_data["rating"],
            comment=form.cleaned_data["comment"],
        )
        if ok:
            messages.success(request, "Thank you: your rating goes to the reviewer.")
            return redirect(_assignment_url(review.submission.assignment_id, "grade"))
    page = selectors.assignment_page(request.user, review.submission.assignment_id)
    return _render_assignment(request, page, rating_forms={review.pk: form})


@login_required
@require_POST
def dispute(request, pk: int):
    """Ask for one's final grade to be looked at again."""
    page = selectors.assignment_page(request.user, pk)
    if page.submission is None:
        raise Http404("You have no submission here.")
    form = DisputeForm(request.POST)
    if form.is_valid():
        ok, _ = attempt(
            form,
            services.dispute_open,
            actor=request.user,
            submission=page.submission,
            reason=form.cleaned_data["reason"],
        )
        if ok:
            messages.success(request, "Your regrade request is with a facilitator; the answer appears here.")
            return redirect(_assignment_url(pk, "grade"))
    return _render_assignment(request, page, dispute_form=form)


# --- versions and attachments ----------------------------------------------------------


@login_required
@require_GET
def version(request, pk: int, number: int):
    view = selectors.version_page(request.user, pk, number)
    return render(
        request,
        "peer_review/learner/version.html",
        {
            "view": view,
            "submission": view.submission,
            "assignment": view.submission.assignment,
            "version": view.version,
        },
    )


@login_required
@require_GET
def attachment(request, pk: int):
    """Download an attachment of a submission the viewer may read (else a 404)."""
    found = selectors.attachment_get(request.user, pk)
    return FileResponse(
        found.file.open("rb"), as_attachment=True, filename=found.name, content_type=found.content_type
    )


# --- calibration -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def calibrate(request, pk: int):
    """The next practice example scored with the rubric; when all are done, a summary."""
    assignment = selectors.assignment_get(request.user, pk)
    require(request.user, "assignment.participate", assignment)
    page = selectors.calibration_page(request.user, assignment)
    example = page.calibration.next_example
    form = None
    if example is not None:
        if request.method == "POST" and request.POST.get("example_id") != str(example.pk):
            # Scored in another tab or by a double click: carry on with the next one.
            messages.info(request, "You had already scored that example; here is the next one.")
            return redirect("peer_review:calibrate", pk=pk)
        form = CalibrationForm(
            request.POST if request.method == "POST" else None,
            criteria=page.criteria,
            initial={"example_id": example.pk},
        )
        if request.method == "POST" and form.is_valid():
            ok, _ = attempt(
                form, services.calibration_submit, actor=request.user, example=example, levels=form.levels()
            )
            if ok:
                return redirect("peer_review:calibration_result", pk=example.pk)
    elif request.method == "POST":
        return redirect("peer_review:calibrate", pk=pk)
    return render(
        request,
        "peer_review/learner/calibrate.html",
        {
            "page": page,
            "assignment": assignment,
            "calibration": page.calibration,
            "example": example,
            "form": form,
            "accuracy_definition": ACCURACY_DEFINITION,
        },
    )


@login_required
@require_GET
def calibration_result(request, pk: int):
    result = selectors.calibration_result(request.user, pk)
    if result.attempt is None:
        return redirect("peer_review:calibrate", pk=result.assignment.pk)
    return render(
        request,
        "peer_review/learner/calibration_result.html",
        {
            "result": result,
            "assignment": result.assignment,
            "example": result.example,
            "calibration": result.calibration,
            "accuracy_definition": ACCURACY_DEFINITION,
        },
    )


# --- reviewing a peer ----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def review(request, pk: int):
    """An allocated review: the work, the rubric form, then the review as submitted."""
    page = selectors.review_page(request.user, pk)
    form = None
    if page.can_review:
        form = ReviewForm(request.POST if request.method == "POST" else None, criteria=page.criteria)
        if request.method == "POST" and form.is_valid():
            ok, _ = attempt(
                form,
                services.review_submit,
                actor=request.user,
                allocation=page.allocation,
                levels=form.scored_levels(),
                comment=form.cleaned_data["comment"],
            )
            if ok:
                messages.success(request, "Your review is in. Thank you.")
                return redirect("peer_review:review", pk=pk)
    elif request.method == "POST":
        # The form is not on the page (done, moved on, or calibration first): the page says why.
        return redirect("peer_review:review", pk=pk)
    return render(
        request,
        "peer_review/learner/review.html",
        {"page": page, "allocation": page.allocation, "assignment": page.assignment, "form": form},
    )


urlpatterns = [
    path("", assignment_list, name="list"),
    path("<int:pk>/", assignment, name="assignment"),
    path("<int:pk>/submit/", submit, name="submit"),
    path("<int:pk>/dispute/", dispute, name="dispute"),
    path("<int:pk>/calibrate/", calibrate, name="calibrate"),
    path("submissions/<int:pk>/versions/<int:number>/", version, name="version"),
    path("attachments/<int:pk>/", attachment, name="attachment"),
    path("calibration/<int:pk>/", calibration_result, name="calibration_result"),
    path("reviews/<int:pk>/", review, name="review"),
    path("reviews/<int:pk>/usefulness/", rate, name="rate"),
]
