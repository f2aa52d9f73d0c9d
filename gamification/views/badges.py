"""Portal pages for badges: the catalogue with my progress, a badge's page with who
earned it, and the download of my credential (My points and a member's page show
badges too: views.points)."""

from __future__ import annotations

import json
import uuid

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .. import badge_selectors, credentials

# The IANA media type (registered 2024) for a VC 2.0 credential secured as a JWS compact
# token, which the download is; saved to disk it is one line of base64url text.
CREDENTIAL_CONTENT_TYPE = "application/vc+jwt"


@login_required
def badges(request):
    return render(request, "gamification/badges.html", {
        "catalogue": badge_selectors.badge_catalogue(request.user),
    })


@login_required
def badge_detail(request, code: str):
    return render(request, "gamification/badge_detail.html", {
        "page": badge_selectors.badge_page(request.user, code),
    })


def _download(content: str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # It names the earner; no shared cache keeps a copy.
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def credential_download(request, award_id: uuid.UUID):
    award = badge_selectors.award_for_credential(request.user, award_id)
    return _download(credentials.signed_credential(award), CREDENTIAL_CONTENT_TYPE,
                     f"{award.badge.code}-{award.pk}.jwt")


@login_required
@require_GET
def credential_json(request, award_id: uuid.UUID):
    """The same credential unsigned, to read (a verifier needs the signed .jwt)."""
    award = badge_selectors.award_for_credential(request.user, award_id)
    return _download(json.dumps(credentials.credential_for(award), indent=2, ensure_ascii=False),
                     "application/json", f"{award.badge.code}-{award.pk}.json")
