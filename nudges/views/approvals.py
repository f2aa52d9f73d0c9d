"""The facilitator's approval queue: proposed nudges of the cohorts they run, approved
(as they are or edited) or skipped in bulk. One row per nudge (all its channels)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from core.errors import ApplicationError
from core.errors import PermissionDenied as ServicePermissionDenied
from core.portal import first_error

from .. import selectors, services


def _back(cohort, page) -> str:
    query = {k: v for k, v in (("cohort", cohort.pk if cohort else ""), ("page", page)) if v}
    return reverse("nudges:approvals") + (f"?{urlencode(query)}" if query else "")


@login_required
@require_http_methods(["GET", "POST"])
def approvals(request):
    actor = request.user
    if not selectors.may_approve(actor):
        raise PermissionDenied
    source = request.POST if request.method == "POST" else request.GET
    cohort = selectors.approval_cohort_get(actor, source.get("cohort"))
    page = source.get("page", 1)
    edit_errors, edit_values = {}, {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "edit":
            group = request.POST.get("group", "")
            chosen = [group] if group else []
            edits = {group: {"subject": request.POST.get("subject", ""),
                             "body_text": request.POST.get("body_text", "")}} if group else {}
        else:
            chosen = request.POST.getlist("groups")
            edits = {}
        # Only the groups this person sees in their queue; anything else is simply not there.
        visible = set(selectors.proposals(actor).filter(group__in=chosen).values_list("group", flat=True))
        chosen = [g for g in chosen if g in visible]
        edits = {g: e for g, e in edits.items() if g in visible}
        try:
            if action == "skip":
                done = services.proposals_skip(actor=actor, groups=chosen)
                messages.success(request, f"Skipped {done} nudge{pluralize(done)}; they will not be sent.")
            elif action in ("approve", "edit"):
                done = services.proposals_approve(actor=actor, groups=chosen, edits=edits)
                messages.success(request, f"Approved {done} nudge{pluralize(done)}; "
                                          f"{'it goes' if done == 1 else 'they go'} out in the send window.")
            else:
                messages.error(request, "Choose approve or skip.")
                return redirect(_back(cohort, page))
            return redirect(_back(cohort, page))
        except ServicePermissionDenied as error:
            raise PermissionDenied(error.message) from error
        except ApplicationError as error:
            if action == "edit" and group:
                edit_errors[group] = first_error(error)
                edit_values[group] = edits.get(group, {"subject": request.POST.get("subject", ""),
                                                       "body_text": request.POST.get("body_text", "")})
            else:
                messages.error(request, first_error(error))
    paged, proposals = selectors.proposals_page(actor, cohort=cohort, page=page)
    for proposal in proposals:
        proposal.error = edit_errors.get(proposal.group, "")
        kept = edit_values.get(proposal.group)
        proposal.subject = kept["subject"] if kept else proposal.first.subject
        proposal.body_text = kept["body_text"] if kept else proposal.first.body_text
        proposal.open = bool(kept)
    return render(request, "nudges/approvals.html", {
        "page": paged, "proposals": proposals, "cohort": cohort,
        "cohorts": selectors.approval_cohorts(actor),
    })
