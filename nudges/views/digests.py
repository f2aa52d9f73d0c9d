"""Top Take digest pages: a cohort's archive (with, for its facilitators, the coming
digest's live preview and intro), and one digest."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from core.errors import ApplicationError

from .. import digest_selectors as selectors
from .. import services
from ..services.digests import INTRO_MAX


@login_required
@require_http_methods(["GET", "POST"])
def cohort_digests(request, pk: int):
    cohort = selectors.cohort_for_digests(request.user, pk)
    editor = selectors.may_edit(request.user, cohort)
    context = {"cohort": cohort, "archive": selectors.archive(cohort), "editor": editor,
               "intro_max": INTRO_MAX}
    if editor:
        upcoming, items = services.digest_preview(cohort)
        context.update(upcoming=upcoming, items=items, intro=upcoming.intro)
        if request.method == "POST":
            intro = request.POST.get("intro", "")
            try:
                services.digest_intro_save(actor=request.user, digest=upcoming, intro=intro)
            except ApplicationError as error:
                context.update(intro=intro, errors=error.errors or {"intro": [error.message]})
                return render(request, "nudges/digests.html", context, status=400)
            messages.success(request, "The intro is saved; it goes out with the digest.")
            return redirect("nudges:cohort_digests", pk=cohort.pk)
    elif request.method == "POST":
        raise PermissionDenied
    return render(request, "nudges/digests.html", context)


@login_required
@require_GET
def digest(request, pk: int):
    digest = selectors.digest_get(request.user, pk)
    return render(request, "nudges/digest.html", {"digest": digest, "cohort": digest.cohort,
                                                  "items": digest.items})
