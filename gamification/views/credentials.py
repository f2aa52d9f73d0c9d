"""The public side of badge credentials, for anyone an earner shows their badge to: no
login, no session. An award's verification page (the credential's id), a checker for
a pasted or uploaded credential, and the issuer, key, achievement and image documents
a credential's URLs point to.

These pages show what a credential itself already says (badge, issuer, earner's name,
date) plus whether it was revoked, and nothing else about the organisation.
"""

from __future__ import annotations

import hashlib
import re
import uuid

from django import forms
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.html import escape
from django.views.decorators.http import require_GET, require_http_methods

from .. import badge_selectors, credentials, openbadges

NOTHING_TO_CHECK = "Paste a credential or choose its .jwt file."
NOT_A_TEXT_FILE = "That file is not a badge credential (a .jwt file holds one line of text)."
METADATA_MAX_AGE = 60 * 60  # issuer and achievement documents: names and texts change rarely
IMAGE_MAX_AGE = 24 * 60 * 60


class CredentialCheckForm(forms.Form):
    token = forms.CharField(
        label="Credential", required=False, strip=True, max_length=openbadges.MAX_TOKEN_LENGTH,
        widget=forms.Textarea,  # drawn by credentials/_checker.html
        error_messages={"max_length": openbadges.TOO_LARGE_MESSAGE},
        help_text="The text of the .jwt file, starting with eyJ.",
    )
    credential_file = forms.FileField(label="Or its file", required=False)

    def __init__(self, *args, oversized: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.oversized = oversized  # the request was too large to read at all

    def clean(self):
        data = super().clean()
        if self.oversized:
            raise forms.ValidationError(openbadges.TOO_LARGE_MESSAGE)
        upload = data.get("credential_file")
        if upload:
            # Read no more than a credential can be: the rest of a large upload stays unread.
            raw = upload.read(openbadges.MAX_TOKEN_LENGTH + 1)
            if len(raw) > openbadges.MAX_TOKEN_LENGTH:
                raise forms.ValidationError(openbadges.TOO_LARGE_MESSAGE)
            try:
                data["token"] = raw.decode("utf-8-sig").strip()
            except UnicodeDecodeError:
                raise forms.ValidationError(NOT_A_TEXT_FILE) from None
        if not data.get("token") and not self.errors:
            raise forms.ValidationError(NOTHING_TO_CHECK)
        return data


def _checked(request):
    """(form, check result or None) for the checker on a page."""
    if request.method != "POST":
        return CredentialCheckForm(), None
    try:
        form = CredentialCheckForm(request.POST, request.FILES)
        valid = form.is_valid()
    except (RequestDataTooBig, TooManyFieldsSent):
        # More than a browser sends from this form (the textarea stops at the limit).
        form = CredentialCheckForm(data={}, oversized=True)
        form.is_valid()
        return form, None
    if not valid:
        return form, None
    return form, credentials.check_token(form.cleaned_data["token"])


@require_http_methods(["GET", "HEAD", "POST"])
def award(request, award_id: uuid.UUID):
    found = badge_selectors.public_award(award_id)
    form, check = _checked(request)
    return render(request, "credentials/award.html", {
        "award": found, "form": form, "check": check,
        "image_path": badge_selectors.image_path(found.organization_id, found.badge_id),
        "other_award": bool(check and check.award and check.award.pk != found.pk),
    })


@require_http_methods(["GET", "HEAD", "POST"])
def verify(request):
    form, check = _checked(request)
    return render(request, "credentials/verify.html", {"form": form, "check": check})


def _json(document: dict, max_age: int) -> JsonResponse:
    response = JsonResponse(document, json_dumps_params={"ensure_ascii": False})
    patch_cache_control(response, public=True, max_age=max_age)
    return response


@require_GET
def issuer(request, organization_id: int):
    organization = badge_selectors.issuer(organization_id)
    profile = credentials.issuer_of(organization)
    return _json({
        "@context": [openbadges.VC_V2_CONTEXT, openbadges.OB_V3P0_CONTEXT],
        "id": profile.id, "type": ["Profile"], "name": profile.name, "url": profile.url,
    }, METADATA_MAX_AGE)


@require_GET
def key(request, organization_id: int):
    jwk = credentials.public_key(organization_id)
    if jwk is None:
        return JsonResponse({"message": "This issuer has not signed a credential yet."}, status=404)
    return _json(jwk, METADATA_MAX_AGE)


@require_GET
def achievement(request, organization_id: int, badge_id: int):
    badge = badge_selectors.achievement(organization_id, badge_id)
    described = credentials.achievement_of(badge, organization_id)
    return _json({
        "@context": [openbadges.VC_V2_CONTEXT, openbadges.OB_V3P0_CONTEXT],
        "id": described.id, "type": ["Achievement"], "achievementType": "Badge",
        "name": described.name, "description": described.description,
        "criteria": {"narrative": described.criteria_narrative},
        "image": {"id": described.image_url, "type": "Image", "caption": described.image_caption},
    }, METADATA_MAX_AGE)


@require_GET
def image(request, organization_id: int, badge_id: int):
    badge = badge_selectors.achievement(organization_id, badge_id)
    svg = medallion_svg(badge.icon, badge.colour, badge.name)
    etag = '"' + hashlib.sha256(svg.encode("utf-8")).hexdigest()[:32] + '"'
    response = get_conditional_response(request, etag=etag) or HttpResponse(
        svg, content_type="image/svg+xml")
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=IMAGE_MAX_AGE)
    return response


# --- the medallion ----------------------------------------------------------------------

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_FALLBACK_COLOUR = "#2f6f4e"

# One white glyph per icon on a 100x100 medallion, drawn with shapes only (no font).
_GLYPHS = {
    "star": '<polygon points="50,22 57.1,40.3 76.6,41.3 61.4,53.7 66.5,72.7 50,62 33.5,72.7 38.6,53.7 '
            '23.4,41.3 42.9,40.3" fill="#fff"/>',
    "shield": '<path d="M50 22 L73 30 V48 C73 63 63 73 50 78 C37 73 27 63 27 48 V30 Z" fill="#fff"/>'
              '<path d="M39 49 L47 57 L62 41" fill="none" stroke="{colour}" stroke-width="5" '
              'stroke-linecap="round" stroke-linejoin="round"/>',
    "flame": '<path d="M50 21 C55 33 69 40 68 57 C67 70 59 78 50 78 C41 78 32 70 33 58 C33 48 40 43 42 34 '
             'C46 40 47 45 49 48 C53 40 53 30 50 21 Z" fill="#fff"/>'
             '<path d="M50 56 C53 61 58 64 57 70 C56 74 53 76 50 76 C47 76 43 73 44 69 C45 64 49 62 50 56 Z" '
             'fill="{colour}"/>',
    "target": '<circle cx="50" cy="50" r="25" fill="#fff"/><circle cx="50" cy="50" r="18" fill="{colour}"/>'
              '<circle cx="50" cy="50" r="11" fill="#fff"/><circle cx="50" cy="50" r="5" fill="{colour}"/>',
    "people": '<circle cx="38" cy="38" r="8" fill="#fff"/><circle cx="62" cy="38" r="8" fill="#fff"/>'
              '<path d="M23 70 C23 56 30 49 38 49 C46 49 53 56 53 70 Z" fill="#fff"/>'
              '<path d="M47 70 C47 56 54 49 62 49 C70 49 77 56 77 70 Z" fill="#fff"/>',
    "heart": '<path d="M50 75 C31 62 24 52 24 42 C24 33 31 27 39 27 C44 27 48 30 50 34 C52 30 56 27 61 27 '
             'C69 27 76 33 76 42 C76 52 69 62 50 75 Z" fill="#fff"/>',
}


def medallion_svg(icon: str, colour: str, name: str) -> str:
    """The badge as an SVG medallion in its colour. The colour is checked again here: it
    is written into markup served from our own domain."""
    colour = colour if _COLOUR.match(colour or "") else _FALLBACK_COLOUR
    glyph = _GLYPHS.get(icon, _GLYPHS["star"]).replace("{colour}", colour)
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100" width="200" height="200" '
        f'role="img" aria-label="{escape(name)}">'
        f"<title>{escape(name)}</title>"
        f'<circle cx="50" cy="50" r="48" fill="{colour}"/>'
        '<circle cx="50" cy="50" r="48" fill="none" stroke="#000" stroke-opacity=".25" stroke-width="4"/>'
        '<circle cx="50" cy="50" r="41" fill="none" stroke="#fff" stroke-opacity=".6" stroke-width="1.5"/>'
        f"{glyph}</svg>"
    )
