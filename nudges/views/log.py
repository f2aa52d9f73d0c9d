"""The delivery log: every nudge, digest and invitation sent (or not, and why), for
facilitators (their cohorts) and HR admins and analysts (the organisation)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from .. import selectors
from ..models import Channel, MessageState, Topic


@login_required
@require_GET
def log(request):
    if not selectors.may_read_log(request.user):
        raise PermissionDenied
    filters = selectors.LogFilters.read(request.GET)
    page = selectors.delivery_log_page(request.user, filters, request.GET.get("page", 1))
    chosen = (("state", filters.state), ("topic", filters.topic), ("channel", filters.channel),
              ("cohort", filters.cohort or ""))
    query = {k: v for k, v in chosen if v}
    return render(request, "nudges/log.html", {
        "page": page, "filters": filters, "query": urlencode(query),
        "states": MessageState.choices, "topics": Topic.choices, "channels": Channel.choices,
        "cohorts": selectors.log_cohorts(request.user),
    })
