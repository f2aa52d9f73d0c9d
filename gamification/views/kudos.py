"""The portal page for sending kudos: choose the cohort and the peer, write a short
thank-you. Thin: selectors read, the service writes. On a rule broken (a limit, an
empty message) the page shows again with the message and the text kept; a cohort
the person is not in is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from core.portal import attempt, next_url

from .. import kudos_selectors, services
from ..forms import KudosForm
from ..services.kudos import KUDOS_PER_RECIPIENT_LIMIT, KUDOS_PER_SENDER_LIMIT


@login_required
@require_http_methods(["GET", "POST"])
def kudos_new(request):
    """GET `?cohort=<id>&to=<user id>` pre-selects the cohort and the peer."""
    actor = request.user
    source = request.POST if request.method == "POST" else request.GET
    cohort = kudos_selectors.kudos_cohort_get(actor, source["cohort"]) if source.get("cohort") else None
    if cohort is None:
        cohorts = list(kudos_selectors.kudos_cohorts(actor)[:2])
        cohort = cohorts[0] if len(cohorts) == 1 else None  # only one cohort: nothing to choose
    if request.method == "POST":
        form = KudosForm(request.POST, actor=actor, cohort=cohort)
        if form.is_valid():
            recipient = form.cleaned_data["recipient"]
            ok, _ = attempt(form, services.kudos_give, actor=actor, recipient=recipient,
                            cohort=form.cleaned_data["cohort"], message=form.cleaned_data["message"])
            if ok:
                messages.success(request, f"Your kudos are on their way to {recipient.display_name}.")
                return redirect(next_url(request, reverse("gamification:member", args=[recipient.pk])))
    else:
        form = KudosForm(initial={"cohort": cohort.pk} if cohort is not None else {}, actor=actor,
                         cohort=cohort)
        to = request.GET.get("to", "")
        if to.isdigit() and form.fields["recipient"].queryset.filter(pk=int(to)).exists():
            form.initial["recipient"] = int(to)  # someone else is simply not pre-selected
    return render(request, "gamification/kudos_form.html", {
        "form": form, "cohort": cohort, "next": next_url(request, ""),
        "has_cohorts": form.fields["cohort"].queryset.exists(),
        "per_sender_limit": KUDOS_PER_SENDER_LIMIT, "per_recipient_limit": KUDOS_PER_RECIPIENT_LIMIT,
    })
