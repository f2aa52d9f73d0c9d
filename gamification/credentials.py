"""An award as an Open Badges 3.0 credential, and the check behind the public
verification page.

Every URL in a credential is under ``settings.SITE_URL`` and stays the same for good:
the credential's id is its public verification page (the award's id never changes,
not even in a rebuild), the issuer and achievement ids dereference to JSON, and the
JOSE ``kid`` to the organisation's public key. A token verifies only when the
organisation's key signed it, the award exists, still matches, and was not revoked.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.urls import reverse

from . import openbadges
from .badge_models import Badge, BadgeAward, SigningKey
from .services.badges import signing_key


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def credential_url(award_id) -> str:
    return absolute(reverse("credentials:award", args=[award_id]))


def issuer_url(organization_id: int) -> str:
    return absolute(reverse("credentials:issuer", args=[organization_id]))


def key_url(organization_id: int) -> str:
    return absolute(reverse("credentials:key", args=[organization_id]))


def achievement_url(organization_id: int, badge_id: int) -> str:
    return absolute(reverse("credentials:achievement", args=[organization_id, badge_id]))


def image_url(organization_id: int, badge_id: int) -> str:
    return absolute(reverse("credentials:image", args=[organization_id, badge_id]))


def issuer_of(organization) -> openbadges.Issuer:
    return openbadges.Issuer(id=issuer_url(organization.pk), name=organization.name,
                             url=absolute("/"))


def achievement_of(badge: Badge, organization_id: int) -> openbadges.Achievement:
    return openbadges.Achievement(
        id=achievement_url(organization_id, badge.pk), name=badge.name, description=badge.description,
        criteria_narrative=badge.criteria_text, image_url=image_url(organization_id, badge.pk),
        image_caption=f"The {badge.name} badge",
    )


def credential_for(award: BadgeAward) -> dict:
    """The unsigned OpenBadgeCredential of an award."""
    learner = award.learner
    return openbadges.build_credential(
        issuer_of(award.organization), achievement_of(award.badge, award.organization_id),
        openbadges.Award(credential_id=credential_url(award.pk), recipient_name=learner.display_name,
                         recipient_email=learner.email, awarded_at=award.awarded_at),
    )


def signed_credential(award: BadgeAward) -> str:
    """The award's credential as a VC-JWT signed with its organisation's key."""
    key = signing_key(award.organization)
    return openbadges.sign_vc_jwt(credential_for(award), key.private_pem, key_url(award.organization_id))


def public_key(organization_id: int) -> dict | None:
    key = SigningKey.objects.filter(organization_id=organization_id).first()
    return openbadges.public_jwk(key.private_pem, key_url(organization_id)) if key else None


@dataclass
class CredentialCheck:
    """What the verification page says about a token."""

    valid: bool
    award: BadgeAward | None = None
    revoked: bool = False
    errors: list[str] = field(default_factory=list)


# At most 18 digits: a database integer (a longer id is no organisation of ours, and
# would overflow the query instead of finding nothing).
_KEY_PATH = re.compile(r"/credentials/issuers/(\d{1,18})/key\.json$")
_AWARD_PATH = re.compile(r"/credentials/([0-9a-f-]{36})/$")
NOT_OURS = "This credential was not issued here: its signing key is not one of ours."


def check_token(token: str) -> CredentialCheck:
    """Verify a pasted or uploaded credential: our organisation's signature, an award
    we know that still matches the credential, and not revoked."""
    if isinstance(token, str):
        token = token.strip()
        if len(token) > openbadges.MAX_TOKEN_LENGTH:
            return CredentialCheck(valid=False, errors=[openbadges.TOO_LARGE_MESSAGE])
    kid = openbadges.unverified_key_id(token) if isinstance(token, str) else None
    match = _KEY_PATH.search(kid or "") if kid and kid.startswith(settings.SITE_URL.rstrip("/")) else None
    key = SigningKey.objects.filter(organization_id=int(match.group(1))).first() if match else None
    if key is None:
        if kid is None:
            return CredentialCheck(valid=False, errors=[openbadges.MALFORMED_MESSAGE])
        return CredentialCheck(valid=False, errors=[NOT_OURS])
    result = openbadges.verify_vc_jwt(token, key.private_pem)
    if result.credential is None:
        return CredentialCheck(valid=False, errors=result.errors)
    found = _AWARD_PATH.search(str(result.credential.get("id", "")))
    award = None
    if found:
        award = (BadgeAward.objects.select_related("badge", "learner", "organization", "revoked_by")
                 .filter(pk=uuid.UUID(found.group(1)), organization_id=key.organization_id).first())
    if award is None:
        return CredentialCheck(valid=False, errors=["No badge award matches this credential."])
    subject = result.credential.get("credentialSubject") or {}
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    if not isinstance(achievement, dict) or achievement.get("id") != achievement_url(
            award.organization_id, award.badge_id):
        return CredentialCheck(valid=False, errors=["No badge award matches this credential."])
    if award.is_revoked:
        return CredentialCheck(valid=False, award=award, revoked=True,
                               errors=[f"Revoked on {award.revoked_at:%d %B %Y}: {award.revocation_reason}"])
    return CredentialCheck(valid=result.valid, award=award, errors=result.errors)
