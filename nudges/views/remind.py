"""Remind a peer ("remind Sam about our review"): choose the cohort and the person,
write one line. The service rate-limits; its messages show on the form, text kept."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from core.portal import attempt, next_url

from .. import selectors, services
from ..forms import RemindForm
from ..services.peer import DAILY_LIMIT


@login_required
@require_http_methods(["GET", "POST"])
def remind(request):
    """GET `?cohort=<id>&to=<user id>` pre-selects the cohort and the peer."""
    actor = request.user
    source = request.POST if request.method == "POST" else request.GET
    cohort_id = source.get("cohort", "")
    cohorts = selectors.remind_cohorts(actor)
    cohort = cohorts.filter(pk=int(cohort_id)).first() if str(cohort_id).isdigit() else None
    if cohort is None and request.method == "GET":
        only = list(cohorts[:2])
        cohort = only[0] if len(only) == 1 else None
    if request.method == "POST":
        form = RemindForm(request.POST, actor=actor, cohort=cohort)
        if form.is_valid():
            recipient = form.cleaned_data["recipient"]
            ok, _ = attempt(form, services.peer_nudge_send, actor=actor, cohort=form.cleaned_data["cohort"],
                            recipient=recipient, note=form.cleaned_data["note"])
            if ok:
                messages.success(request, f"Your reminder is on its way to {recipient.display_name}.")
                return redirect(next_url(request, request.path))
    else:
        form = RemindForm(initial={"cohort": cohort.pk} if cohort else {}, actor=actor, cohort=cohort)
        to = request.GET.get("to", "")
        if to.isdigit() and form.fields["recipient"].queryset.filter(pk=int(to)).exists():
            form.initial["recipient"] = int(to)
    return render(request, "nudges/remind.html", {
        "form": form, "has_cohorts": cohorts.exists(), "daily_limit": DAILY_LIMIT,
        "next": next_url(request, ""),
    })
