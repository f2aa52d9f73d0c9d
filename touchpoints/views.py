"""Portal pages of live sessions: a cohort's sessions, one session (RSVP, calendar
file), and the facilitator's forms to schedule, change, cancel and take attendance.
Thin: selectors read, services write; a rule broken shows the form again with the
message and what was typed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from core import policy
from core.errors import ApplicationError
from core.portal import attempt, first_error, require

from . import ics, selectors, services
from .forms import CancelForm, TouchpointForm
from .models import RsvpResponse


@login_required
def cohort_sessions(request, pk: int):
    cohort = selectors.cohort_for(request.user, pk)
    return render(request, "touchpoints/cohort_sessions.html", {
        "cohort": cohort,
        "sessions": selectors.cohort_sessions(request.user, cohort),
        "may_manage": policy.allows(request.user, "touchpoint.manage", cohort),
    })


@login_required
def detail(request, pk: int):
    touchpoint = selectors.touchpoint_get(request.user, pk)
    now = timezone.now()
    rsvps = selectors.rsvps_of(touchpoint)
    may_rsvp = policy.allows(request.user, "touchpoint.rsvp", touchpoint)
    return render(request, "touchpoints/detail.html", {
        "touchpoint": touchpoint,
        "rsvps": rsvps,
        "coming": [rsvp for rsvp in rsvps if rsvp.response == RsvpResponse.YES],
        "responses": RsvpResponse.choices,
        "started": touchpoint.has_started(now),
        "ended": touchpoint.ends_at <= now,
        "may_rsvp": may_rsvp and not touchpoint.is_cancelled and not touchpoint.has_started(now),
        "may_manage": policy.allows(request.user, "touchpoint.manage", touchpoint),
        "places_left": (None if touchpoint.capacity is None
                        else max(touchpoint.capacity - touchpoint.yes_count, 0)),
    })


@login_required
@require_POST
def rsvp(request, pk: int):
    touchpoint = selectors.touchpoint_get(request.user, pk)
    require(request.user, "touchpoint.rsvp", touchpoint)
    response = request.POST.get("response", "")
    try:
        services.rsvp_set(actor=request.user, touchpoint=touchpoint, response=response)
    except ApplicationError as exc:
        messages.error(request, first_error(exc))
    else:
        messages.success(request, f"Your answer is saved: {RsvpResponse(response).label.lower()}.")
    return redirect(touchpoint.get_absolute_url())


@login_required
def invite_ics(request, pk: int):
    """My invitation, with my answer in it when I am invited."""
    touchpoint = selectors.touchpoint_get(request.user, pk)
    attendee = request.user if selectors.is_invitee(touchpoint, request.user) else None
    response = HttpResponse(ics.calendar_bytes(touchpoint, attendee),
                            content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{ics.filename(touchpoint)}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def schedule(request, pk: int):
    cohort = selectors.cohort_for(request.user, pk)
    require(request.user, "touchpoint.manage", cohort)
    if request.method == "POST":
        form = TouchpointForm(request.POST, cohort=cohort)
        if form.is_valid():
            ok, touchpoint = attempt(form, services.touchpoint_schedule, actor=request.user, cohort=cohort,
                                     squad=form.cleaned_data["squad"], **form.service_fields())
            if ok:
                messages.success(request,
                                 f"“{touchpoint.title}” is scheduled; the invitees get an invitation.")
                return redirect(touchpoint.get_absolute_url())
    else:
        form = TouchpointForm(cohort=cohort)
    return render(request, "touchpoints/form.html", {"form": form, "cohort": cohort, "touchpoint": None})


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, pk: int):
    touchpoint = selectors.touchpoint_get(request.user, pk)
    require(request.user, "touchpoint.manage", touchpoint)
    cohort = touchpoint.cohort
    if request.method == "POST":
        form = TouchpointForm(request.POST, cohort=cohort, editing=True)
        if form.is_valid():
            ok, _ = attempt(form, services.touchpoint_update, actor=request.user, touchpoint=touchpoint,
                            **form.service_fields())
            if ok:
                messages.success(request, "The session is updated; the invitees get the new details.")
                return redirect(touchpoint.get_absolute_url())
    else:
        form = TouchpointForm(cohort=cohort, editing=True, initial={
            name: getattr(touchpoint, name) for name in services.EDITABLE_FIELDS})
    return render(request, "touchpoints/form.html",
                  {"form": form, "cohort": cohort, "touchpoint": touchpoint})


@login_required
@require_http_methods(["GET", "POST"])
def cancel(request, pk: int):
    touchpoint = selectors.touchpoint_get(request.user, pk)
    require(request.user, "touchpoint.manage", touchpoint)
    if request.method == "POST":
        form = CancelForm(request.POST)
        if form.is_valid():
            ok, _ = attempt(form, services.touchpoint_cancel, actor=request.user, touchpoint=touchpoint,
                            reason=form.cleaned_data["reason"])
            if ok:
                messages.success(request, "The session is cancelled; the invitees are told.")
                return redirect(touchpoint.get_absolute_url())
    else:
        form = CancelForm()
    return render(request, "touchpoints/cancel.html", {"form": form, "touchpoint": touchpoint})


@login_required
@require_http_methods(["GET", "POST"])
def attendance(request, pk: int):
    touchpoint = selectors.touchpoint_get(request.user, pk)
    require(request.user, "touchpoint.manage", touchpoint)
    error = None
    chosen = None
    if request.method == "POST":
        chosen = request.POST.getlist("attended")
        try:
            result = services.attendance_record(actor=request.user, touchpoint=touchpoint,
                                                attended_user_ids=chosen)
        except ApplicationError as exc:
            error = first_error(exc)
        else:
            messages.success(request, f"Attendance saved: {len(result['attended_ids'])} came, "
                                      f"{len(result['absent_ids'])} did not.")
            return redirect(touchpoint.get_absolute_url())
    sheet = selectors.attendance_sheet(touchpoint)
    if chosen is not None:  # show what was ticked, not what was saved before
        ticked = set(chosen)
        checked = {row.user.pk for row in sheet if str(row.user.pk) in ticked}
    else:
        checked = {row.user.pk for row in sheet if row.attended
                   or (row.attended is None and row.response == RsvpResponse.YES)}
    return render(request, "touchpoints/attendance.html", {
        "touchpoint": touchpoint, "sheet": sheet, "checked": checked, "error": error,
        "started": touchpoint.has_started(), "recorded": any(row.attended is not None for row in sheet),
    })
