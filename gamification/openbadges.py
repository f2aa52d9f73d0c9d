"""Open Badges 3.0 credentials for awarded badges: build, sign and verify.

An earner downloads an award as an ``OpenBadgeCredential`` (OB 3.0 "AchievementCredential",
on the Verifiable Credentials Data Model 2.0). Its shape follows the spec's minimal example
``basicOpenBadgeCredential``: a ``Profile`` issuer, ``validFrom``, and an ``AchievementSubject``
carrying the ``Achievement`` with its criteria and image.

Format choices, with the OB 3.0 sections they rest on:

- Recipient: the subject is identified by ``identifier`` (section "IdentityObject"), a salted
  ``sha256$<hex>`` hash of the earner's email, not by ``credentialSubject.id``: earners have no
  DID, and a credential meant to be shared publicly should not print their address.
- Proof: section "Proofs (Signatures)" allows an external JSON Web Token Proof (VC-JWT) or an
  embedded Linked Data Proof. The embedded proof signs the RDF canonicalisation of the JSON-LD,
  which needs a JSON-LD processor and the context documents; VC-JWT signs the exact bytes sent and
  needs nothing but JWS. So the downloadable file is a compact JWS whose payload is the credential
  (section "JSON Web Token Proof Format").
- Algorithm: EdDSA with Ed25519. The spec makes RS256 the minimum a verifier supports and permits
  others "but their use limits interoperability"; Ed25519 has small keys, deterministic
  signatures and no parameters to get wrong. A verifier that only knows RS256 will not accept
  these tokens.
- JOSE header: only ``alg``, ``typ`` ("JWT"), ``kid`` (a URL that dereferences to the public JWK)
  and ``jwk`` (the public key, never ``d``), since "Additional JOSE Headers are NOT allowed".
- JWT claims (section "JWT Payload Format"): ``iss`` = ``issuer.id``, ``jti`` = ``id``,
  ``nbf`` = ``validFrom``, ``exp`` = ``validUntil`` when set. The table marks ``sub`` required,
  but it is defined as ``credentialSubject.id``, which ours lacks (see Recipient); it is left out
  rather than filled with an invented id, and checked whenever a subject id is present.

Revocation is not a property of the token: the caller checks its own records after
``verify_vc_jwt`` says the signature holds.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_V3P0_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
JWS_ALGORITHM = "EdDSA"
ED25519_SIGNATURE_LENGTH = 64

# RFC 7519 registered claim names; stripping them from a verified payload gives back the credential.
REGISTERED_CLAIMS = frozenset({"iss", "sub", "aud", "exp", "nbf", "iat", "jti"})
# A badge credential is a few kilobytes; refusing anything far larger keeps a public page cheap.
MAX_TOKEN_LENGTH = 256 * 1024

MALFORMED_MESSAGE = "Malformed token."
TOO_LARGE_MESSAGE = "The token is too large to be a badge credential."
SIGNATURE_MISMATCH_MESSAGE = "The signature does not match the issuer's key."

_BASE64URL = re.compile(r"^[A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class Issuer:
    id: str
    name: str
    url: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class Achievement:
    id: str
    name: str
    description: str
    criteria_narrative: str
    image_url: str
    image_caption: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Award:
    credential_id: str
    recipient_name: str | None
    recipient_email: str
    awarded_at: datetime
    valid_until: datetime | None = None
    # Published in the credential beside the hash, as IdentityObject requires. When not given it is
    # derived from the credential id, so rebuilding the same award yields the same credential.
    identity_salt: str | None = None


@dataclass(frozen=True)
class VerificationResult:
    valid: bool
    # The credential is returned whenever the signature holds, even if it has expired, so a page
    # can say what expired; it is None when nothing in the token can be trusted.
    credential: dict[str, Any] | None
    errors: list[str] = field(default_factory=list)


def generate_signing_key() -> str:
    """A new Ed25519 private key as PKCS#8 PEM text."""
    private_key = Ed25519PrivateKey.generate()
    return private_key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    ).decode("ascii")


def public_jwk(private_pem: str, kid: str) -> dict[str, str]:
    """The public half of ``private_pem`` as a JWK (RFC 8037 OKP), for the JOSE header and ``kid`` URL."""
    public_key = _load_private_key(private_pem).public_key()
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": _b64url_encode(public_key.public_bytes_raw()),
        "kid": kid,
        "alg": JWS_ALGORITHM,
        "use": "sig",
    }


def identity_hash(identity: str, salt: str) -> str:
    """An OB 3.0 IdentityHash: ``sha256$`` and the hex SHA-256 of the identity followed by the salt."""
    return "sha256$" + hashlib.sha256((identity + salt).encode("utf-8")).hexdigest()


def build_credential(issuer: Issuer, achievement: Achievement, award: Award) -> dict[str, Any]:
    """The OpenBadgeCredential for one award, unsigned."""
    issuer_profile: dict[str, Any] = {"id": issuer.id, "type": ["Profile"], "name": issuer.name}
    if issuer.url:
        issuer_profile["url"] = issuer.url
    if issuer.email:
        issuer_profile["email"] = issuer.email

    image: dict[str, Any] = {"id": achievement.image_url, "type": "Image"}
    if achievement.image_caption:
        image["caption"] = achievement.image_caption
    achievement_object: dict[str, Any] = {
        "id": achievement.id,
        "type": ["Achievement"],
        "achievementType": "Badge",
        "name": achievement.name,
        "description": achievement.description,
        "criteria": {"narrative": achievement.criteria_narrative},
        "image": image,
    }
    if achievement.tags:
        achievement_object["tag"] = list(achievement.tags)

    # Addresses are compared case-insensitively in practice, so a verifier who lower-cases the
    # address they know reproduces the hash.
    salt = award.identity_salt or hashlib.sha256(award.credential_id.encode("utf-8")).hexdigest()[:32]
    identifiers: list[dict[str, Any]] = [
        {
            "type": "IdentityObject",
            "identityHash": identity_hash(award.recipient_email.strip().lower(), salt),
            "identityType": "emailAddress",
            "hashed": True,
            "salt": salt,
        }
    ]
    if award.recipient_name:
        # IdentifierTypeEnum has "name"; unhashed, so the badge shows whom it was awarded to.
        identifiers.append(
            {
                "type": "IdentityObject",
                "identityHash": award.recipient_name,
                "identityType": "name",
                "hashed": False,
            }
        )

    credential: dict[str, Any] = {
        "@context": [VC_V2_CONTEXT, OB_V3P0_CONTEXT],
        "id": award.credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer_profile,
        "name": achievement.name,
        "validFrom": _format_datetime(award.awarded_at),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": identifiers,
            "achievement": achievement_object,
        },
    }
    if award.valid_until is not None:
        credential["validUntil"] = _format_datetime(award.valid_until)
    return credential


def sign_vc_jwt(credential: Mapping[str, Any], private_pem: str, kid: str) -> str:
    """The credential as a compact JWS (VC-JWT) signed with the organisation's Ed25519 key."""
    private_key = _load_private_key(private_pem)
    jwk = public_jwk(private_pem, kid)
    header = {"alg": JWS_ALGORITHM, "typ": "JWT", "kid": kid, "jwk": jwk}

    payload: dict[str, Any] = dict(credential)
    payload["iss"] = _issuer_id(credential)
    payload["jti"] = credential["id"]
    payload["nbf"] = _epoch_seconds(_parse_datetime(credential["validFrom"]))
    subject_id = credential["credentialSubject"].get("id")
    if subject_id:
        payload["sub"] = subject_id
    if credential.get("validUntil"):
        payload["exp"] = _epoch_seconds(_parse_datetime(credential["validUntil"]))

    signing_input = _b64url_encode(_json_bytes(header)) + "." + _b64url_encode(_json_bytes(payload))
    signature = private_key.sign(signing_input.encode("ascii"))
    return signing_input + "." + _b64url_encode(signature)


def unverified_key_id(token: str) -> str | None:
    """The ``kid`` a token names, so a caller holding several keys can pick one; not a check."""
    header = _decode_json_segment(token.split(".")[0]) if isinstance(token, str) else None
    kid = header.get("kid") if header else None
    return kid if isinstance(kid, str) else None


def verify_vc_jwt(
    token: object,
    public_jwk_or_pem: Mapping[str, Any] | str,
    *,
    now: datetime | None = None,
) -> VerificationResult:
    """Check a VC-JWT against the issuer's key and the claim rules of OB 3.0 "Verify a Credential".

    ``public_jwk_or_pem`` is a JWK dict or PEM text (public, or private whose public half is used); an
    unusable key is a configuration error and raises ValueError. A bad token never raises.
    """
    verification_key = _load_verification_key(public_jwk_or_pem)
    now = now or datetime.now(UTC)

    if not isinstance(token, str):
        return _invalid(MALFORMED_MESSAGE)
    token = token.strip()
    if len(token) > MAX_TOKEN_LENGTH:
        return _invalid(TOO_LARGE_MESSAGE)
    segments = token.split(".")
    if len(segments) != 3:
        return _invalid(MALFORMED_MESSAGE)
    header_segment, payload_segment, signature_segment = segments

    header = _decode_json_segment(header_segment)
    if header is None:
        return _invalid(MALFORMED_MESSAGE)
    # The algorithm is fixed by the key, never taken from the token: a token saying "none" or
    # "HS256" must not choose how it is checked.
    if header.get("alg") != JWS_ALGORITHM:
        return _invalid(f"The token is not signed with {JWS_ALGORITHM}, the algorithm of the issuer's key.")
    signature = _b64url_decode(signature_segment)
    if signature is None or len(signature) != ED25519_SIGNATURE_LENGTH:
        return _invalid(MALFORMED_MESSAGE)

    try:
        verification_key.verify(signature, f"{header_segment}.{payload_segment}".encode("ascii"))
    except (InvalidSignature, UnicodeEncodeError):
        return _invalid(SIGNATURE_MISMATCH_MESSAGE)

    payload = _decode_json_segment(payload_segment)
    if payload is None:
        return _invalid(MALFORMED_MESSAGE)
    credential = {key: value for key, value in payload.items() if key not in REGISTERED_CLAIMS}
    errors = _claim_errors(payload, credential)
    if errors:
        # Signed by the issuer but not a credential this module would produce: show nothing.
        return VerificationResult(valid=False, credential=None, errors=errors)

    errors = _validity_period_errors(credential, now)
    return VerificationResult(valid=not errors, credential=credential, errors=errors)


def _claim_errors(payload: Mapping[str, Any], credential: Mapping[str, Any]) -> list[str]:
    types = credential.get("type")
    if not (
        isinstance(types, list)
        and "VerifiableCredential" in types
        and ({"OpenBadgeCredential", "AchievementCredential"} & set(map(str, types)))
    ):
        return ["The token does not contain an Open Badges credential."]
    subject = credential.get("credentialSubject")
    if not isinstance(subject, dict):
        return ["The token does not contain an Open Badges credential."]
    try:
        valid_from = _parse_datetime(credential["validFrom"])
        valid_until = _parse_datetime(credential["validUntil"]) if "validUntil" in credential else None
    except (KeyError, TypeError, ValueError):
        return ["The credential's validity dates are missing or unreadable."]

    mismatched = []
    if payload.get("iss") != _issuer_id(credential):
        mismatched.append("iss")
    if payload.get("jti") != credential.get("id"):
        mismatched.append("jti")
    if payload.get("nbf") != _epoch_seconds(valid_from):
        mismatched.append("nbf")
    if payload.get("sub") != subject.get("id"):
        mismatched.append("sub")
    if payload.get("exp") != (_epoch_seconds(valid_until) if valid_until else None):
        mismatched.append("exp")
    if mismatched:
        return [f"The token's claims do not match the credential ({', '.join(mismatched)})."]
    return []


def _validity_period_errors(credential: Mapping[str, Any], now: datetime) -> list[str]:
    valid_from = _parse_datetime(credential["validFrom"])
    if valid_from > now:
        return [f"The credential is not valid until {_human_datetime(valid_from)}."]
    if "validUntil" in credential:
        valid_until = _parse_datetime(credential["validUntil"])
        if valid_until <= now:
            return [f"The credential expired on {_human_datetime(valid_until)}."]
    return []


def _invalid(message: str) -> VerificationResult:
    return VerificationResult(valid=False, credential=None, errors=[message])


def _issuer_id(credential: Mapping[str, Any]) -> Any:
    # ProfileRef: the issuer is either its URI or a Profile object.
    issuer = credential.get("issuer")
    return issuer.get("id") if isinstance(issuer, dict) else issuer


def _load_private_key(private_pem: str) -> Ed25519PrivateKey:
    private_key = serialization.load_pem_private_key(private_pem.encode("ascii"), password=None)
    if not isinstance(private_key, Ed25519PrivateKey):
        raise ValueError("Open Badges signing keys must be Ed25519.")
    return private_key


def _load_verification_key(public_key: Mapping[str, Any] | str) -> Ed25519PublicKey:
    if isinstance(public_key, Mapping):
        if public_key.get("kty") != "OKP" or public_key.get("crv") != "Ed25519":
            raise ValueError("The verification JWK must be an OKP Ed25519 key.")
        raw = _b64url_decode(str(public_key.get("x", "")))
        if raw is None or len(raw) != 32:
            raise ValueError("The verification JWK has no valid 'x'.")
        return Ed25519PublicKey.from_public_bytes(raw)
    pem = public_key.encode("ascii")
    if b"PRIVATE KEY" in pem:
        return _load_private_key(public_key).public_key()
    loaded = serialization.load_pem_public_key(pem)
    if not isinstance(loaded, Ed25519PublicKey):
        raise ValueError("The verification key must be Ed25519.")
    return loaded


def _format_datetime(moment: datetime) -> str:
    # DateTimeZ in UTC with whole seconds, so `nbf`/`exp` (whole seconds) equal the dates exactly.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("Credential dates must be timezone-aware.")
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_datetime(text: Any) -> datetime:
    if not isinstance(text, str):
        raise TypeError("A credential date must be a string.")
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("A credential date must carry a timezone.")
    return moment


def _epoch_seconds(moment: datetime) -> int:
    return int(moment.timestamp())


def _human_datetime(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(segment: str) -> bytes | None:
    # Compact JWS uses unpadded base64url only; anything else is not a token we issued.
    if not _BASE64URL.match(segment) or len(segment) % 4 == 1:
        return None
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        return None
    # Only the one canonical spelling: the last character carries unused bits, and a
    # lenient decoder would let a changed character there pass as the same bytes.
    return raw if _b64url_encode(raw) == segment else None


def _decode_json_segment(segment: str) -> dict[str, Any] | None:
    raw = _b64url_decode(segment)
    if raw is None:
        return None
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None
