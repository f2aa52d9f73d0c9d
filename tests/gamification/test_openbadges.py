"""Open Badges 3.0 credentials: the built credential satisfies 1EdTech's JSON schema, and the
VC-JWT it is signed into verifies only when untouched, signed by the issuer's key and in date."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from jsonschema import Draft201909Validator

from gamification.openbadges import (
    MALFORMED_MESSAGE,
    OB_V3P0_CONTEXT,
    SIGNATURE_MISMATCH_MESSAGE,
    TOO_LARGE_MESSAGE,
    VC_V2_CONTEXT,
    Achievement,
    Award,
    Issuer,
    build_credential,
    generate_signing_key,
    identity_hash,
    public_jwk,
    sign_vc_jwt,
    unverified_key_id,
    verify_vc_jwt,
)

SCHEMA_PATH = Path(__file__).parent / "data" / "ob_v3p0_achievementcredential_schema.json"
KID = "https://learn.example.org/badges/keys/2025-1"
AWARDED_AT = datetime(2025, 3, 14, 9, 26, 53, 589000, tzinfo=UTC)
A_DAY_LATER = AWARDED_AT + timedelta(days=1)

ISSUER = Issuer(
    id="https://learn.example.org/badges/issuer",
    name="Example Corp Learning",
    url="https://learn.example.org/",
    email="learning@example.org",
)
ACHIEVEMENT = Achievement(
    id="https://learn.example.org/badges/achievements/12",
    name="Helpful Reviewer",
    description="Gave ten peer reviews that their authors rated as helpful.",
    criteria_narrative="Write ten peer reviews rated *helpful* by the people reviewed.",
    image_url="https://learn.example.org/static/badges/helpful-reviewer.png",
    image_caption="A magnifying glass over a speech bubble",
    tags=("peer review", "feedback"),
)
AWARD = Award(
    credential_id="urn:uuid:3f1d6a8e-6c1b-4f8e-9a57-2b0d6e1c4a90",
    recipient_name="Ada Lovelace",
    recipient_email="Ada.Lovelace@example.org",
    awarded_at=AWARDED_AT,
)


@pytest.fixture(scope="module")
def signing_key() -> str:
    return generate_signing_key()


@pytest.fixture(scope="module")
def schema_validator() -> Draft201909Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft201909Validator.check_schema(schema)
    return Draft201909Validator(schema, format_checker=Draft201909Validator.FORMAT_CHECKER)


def _segments(token: str) -> list[dict | bytes]:
    header, payload, signature = token.split(".")
    return [_decode(header), _decode(payload), base64.urlsafe_b64decode(signature + "==")]


def _decode(segment: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def _encode(value: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def _sign_raw(header: dict, payload: dict, private_pem: str) -> str:
    """A token signed by the real key but assembled by hand, to test the claim rules."""
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    signing_input = f"{_encode(header)}.{_encode(payload)}"
    signature = base64.urlsafe_b64encode(key.sign(signing_input.encode())).rstrip(b"=").decode()
    return f"{signing_input}.{signature}"


# --- the credential -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "award",
    [AWARD, replace(AWARD, recipient_name=None, valid_until=AWARDED_AT + timedelta(days=365))],
    ids=["named-open-ended", "anonymous-expiring"],
)
def test_the_credential_validates_against_the_ob_v3p0_schema(schema_validator, award):
    credential = build_credential(ISSUER, ACHIEVEMENT, award)

    errors = [f"{list(error.path)}: {error.message}" for error in schema_validator.iter_errors(credential)]

    assert errors == []


def test_the_schema_rejects_what_the_spec_forbids(schema_validator):
    """Guards the test above: the shipped schema really constrains credentials."""
    credential = build_credential(ISSUER, ACHIEVEMENT, AWARD)
    without_valid_from = {key: value for key, value in credential.items() if key != "validFrom"}
    wrong_context = {**credential, "@context": [OB_V3P0_CONTEXT, VC_V2_CONTEXT]}

    assert not schema_validator.is_valid(without_valid_from)
    assert not schema_validator.is_valid(wrong_context)


def test_the_credential_has_the_shape_of_the_basic_example():
    credential = build_credential(ISSUER, ACHIEVEMENT, AWARD)

    assert credential["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["id"] == AWARD.credential_id
    assert credential["issuer"] == {
        "id": ISSUER.id,
        "type": ["Profile"],
        "name": ISSUER.name,
        "url": ISSUER.url,
        "email": ISSUER.email,
    }
    assert credential["validFrom"] == "2025-03-14T09:26:53Z"
    assert "validUntil" not in credential
    subject = credential["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert "id" not in subject
    assert subject["achievement"] == {
        "id": ACHIEVEMENT.id,
        "type": ["Achievement"],
        "achievementType": "Badge",
        "name": "Helpful Reviewer",
        "description": ACHIEVEMENT.description,
        "criteria": {"narrative": ACHIEVEMENT.criteria_narrative},
        "image": {"id": ACHIEVEMENT.image_url, "type": "Image", "caption": ACHIEVEMENT.image_caption},
        "tag": ["peer review", "feedback"],
    }


def test_the_recipient_is_a_salted_hash_of_the_email_and_the_plain_name():
    credential = build_credential(ISSUER, ACHIEVEMENT, AWARD)

    email_identity, name_identity = credential["credentialSubject"]["identifier"]

    salt = email_identity["salt"]
    expected = hashlib.sha256(("ada.lovelace@example.org" + salt).encode()).hexdigest()
    assert email_identity == {
        "type": "IdentityObject",
        "identityHash": f"sha256${expected}",
        "identityType": "emailAddress",
        "hashed": True,
        "salt": salt,
    }
    assert "Ada" not in json.dumps(email_identity)
    assert name_identity == {
        "type": "IdentityObject",
        "identityHash": "Ada Lovelace",
        "identityType": "name",
        "hashed": False,
    }


def test_rebuilding_the_same_award_gives_the_same_credential_and_awards_differ_in_salt():
    first = build_credential(ISSUER, ACHIEVEMENT, AWARD)
    again = build_credential(ISSUER, ACHIEVEMENT, AWARD)
    other = build_credential(ISSUER, ACHIEVEMENT, replace(AWARD, credential_id="urn:uuid:other"))

    assert first == again
    assert (
        first["credentialSubject"]["identifier"][0]["salt"]
        != other["credentialSubject"]["identifier"][0]["salt"]
    )


def test_identity_hash_reproduces_the_example_in_the_spec():
    # OB 3.0, IdentityHash: 'a@example.com' salted with 'Kosher'.
    assert identity_hash("a@example.com", "Kosher") == (
        "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399"
    )


def test_a_naive_award_time_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        build_credential(ISSUER, ACHIEVEMENT, replace(AWARD, awarded_at=datetime(2025, 3, 14, 9, 0)))


# --- keys -----------------------------------------------------------------------------------------


def test_the_public_jwk_is_an_ed25519_okp_key_without_the_private_part(signing_key):
    jwk = public_jwk(signing_key, KID)

    assert set(jwk) == {"kty", "crv", "x", "kid", "alg", "use"}
    assert jwk["kty"] == "OKP"
    assert jwk["crv"] == "Ed25519"
    assert jwk["alg"] == "EdDSA"
    assert jwk["use"] == "sig"
    assert jwk["kid"] == KID
    assert len(base64.urlsafe_b64decode(jwk["x"] + "=")) == 32


def test_each_generated_key_is_new():
    assert generate_signing_key() != generate_signing_key()


# --- signing and verifying ------------------------------------------------------------------------


def test_a_signed_credential_verifies_and_gives_back_the_credential(signing_key):
    credential = build_credential(ISSUER, ACHIEVEMENT, AWARD)
    token = sign_vc_jwt(credential, signing_key, KID)

    result = verify_vc_jwt(token, public_jwk(signing_key, KID), now=A_DAY_LATER)

    assert result.valid is True
    assert result.errors == []
    assert result.credential == credential


def test_verifying_accepts_the_key_as_pem(signing_key):
    token = sign_vc_jwt(build_credential(ISSUER, ACHIEVEMENT, AWARD), signing_key, KID)
    public_pem = (
        serialization.load_pem_private_key(signing_key.encode(), password=None)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )

    assert verify_vc_jwt(token, public_pem, now=A_DAY_LATER).valid
    assert verify_vc_jwt(token, signing_key, now=A_DAY_LATER).valid


def test_the_jose_header_carries_only_what_the_spec_allows(signing_key):
    token = sign_vc_jwt(build_credential(ISSUER, ACHIEVEMENT, AWARD), signing_key, KID)

    header, _, signature = _segments(token)

    assert header == {"alg": "EdDSA", "typ": "JWT", "kid": KID, "jwk": public_jwk(signing_key, KID)}
    assert "d" not in header["jwk"]
    assert len(signature) == 64
    assert unverified_key_id(token) == KID


def test_the_payload_is_the_credential_plus_the_registered_claims(signing_key):
    award = replace(AWARD, valid_until=datetime(2026, 3, 14, 0, 0, tzinfo=UTC))
    credential = build_credential(ISSUER, ACHIEVEMENT, award)
    token = sign_vc_jwt(credential, signing_key, KID)

    _, payload, _ = _segments(token)

    assert payload["iss"] == ISSUER.id
    assert payload["jti"] == AWARD.credential_id
    assert payload["nbf"] == int(datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC).timestamp())
    assert payload["exp"] == int(datetime(2026, 3, 14, tzinfo=UTC).timestamp())
    assert "sub" not in payload  # the subject has no id, only hashed identifiers
    assert {key: value for key, value in payload.items() if key not in {"iss", "jti", "nbf", "exp"}} == (
        credential
    )


def test_a_tampered_credential_is_rejected(signing_key):
    token = sign_vc_jwt(build_credential(ISSUER, ACHIEVEMENT, AWARD), signing_key, KID)
    header, payload, signature = token.split(".")
    claims = _decode(payload)
    claims["credentialSubject"]["achievement"]["name"] = "Distinguished Mentor"
    tampered = f"{header}.{_encode(claims)}.{signature}"

    result = verify_vc_jwt(tampered, public_jwk(signing_key, KID), now=A_DAY_LATER)

    assert result.valid is False
    assert result.credential is None
    assert result.errors == [SIGNATURE_MISMATCH_MESSAGE]


def test_a_token_signed_by_another_key_is_rejected(signing_key):
    impostor_key = generate_signing_key()
    token = sign_vc_jwt(build_credential(ISSUER, ACHIEVEMENT, AWARD), impostor_key, KID)

    result = verify_vc_jwt(token, public_jwk(signing_key, KID), now=A_DAY_LATER)

    assert result.valid is False
    assert result.credential is None
    assert result.errors == ["The signature does not match the issuer's key."]


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "   ",
        "not a token",
        "a.b",
        "a.b.c",
        "a.b.c.d",
        "!!!.???.###",
        "eyJhbGciOiJFZERTQSJ9.e30",
        "eyJhbGciOiJFZERTQSJ9.e30.",
        "W10.e30.AAAA",  # header is JSON, but a list
        None,
        42,
        b"eyJhbGciOiJFZERTQSJ9.e30.AAAA",
    ],
)
def test_garbage_is_rejected_with_a_message_not_an_exception(signing_key, garbage):
    result = verify_vc_jwt(garbage, public_jwk(signing_key, KID), now=A_DAY_LATER)

    assert result.valid is False
    assert result.credential is None
    assert result.errors == [MALFORMED_MESSAGE]


def test_an_oversized_token_is_rejected_before_any_decoding(signing_key):
    result = verify_vc_jwt("x" * 300_000, public_jwk(signing_key, KID), now=A_DAY_LATER)

    assert result.valid is False
    assert result.errors == [TOO_LARGE_MESSAGE]


def test_an_unsigned_token_cannot_choose_its_own_algorithm(signing_key):
    token = sign_vc_jwt(build_credential(ISSUER, ACHIEVEMENT, AWARD), signing_key, KID)
    claims = _decode(token.split(".")[1])
    unsigned = f"{_encode({'alg': 'none', 'typ': 'JWT'})}.{_encode(claims)}."
    hmac_style = f"{_encode({'alg': 'HS256', 'typ': 'JWT'})}.{_encode(claims)}.c2lnbmF0dXJl"
    no_algorithm = f"{_encode({'typ': 'JWT'})}.{_encode(claims)}.c2lnbmF0dXJl"

    for forged in (unsigned, hmac_style, no_algorithm):
        result = verify_vc_jwt(forged, public_jwk(signing_key, KID), now=A_DAY_LATER)
        assert result.valid is False
        assert result.credential is None
        assert result.errors == ["The token is not signed with EdDSA, the algorithm of the issuer's key."]


def test_an_expired_credential_is_reported_with_its_date(signing_key):
    award = replace(AWARD, valid_until=datetime(2025, 6, 30, 23, 59, tzinfo=UTC))
    token = sign_vc_jwt(build_credential(ISSUER, ACHIEVEMENT, award), signing_key, KID)

    result = verify_vc_jwt(token, public_jwk(signing_key, KID), now=datetime(2025, 7, 1, tzinfo=UTC))

    assert result.valid is False
    assert result.errors == ["The credential expired on 2025-06-30 23:59 UTC."]
    assert result.credential["validUntil"] == "2025-06-30T23:59:00Z"


def test_an_expiring_credential_is_valid_before_it_expires(signing_key):
    award = replace(AWARD, valid_until=datetime(2025, 6, 30, 23, 59, tzinfo=UTC))
    token = sign_vc_jwt(build_credential(ISSUER, ACHIEVEMENT, award), signing_key, KID)

    assert verify_vc_jwt(token, public_jwk(signing_key, KID), now=datetime(2025, 6, 30, tzinfo=UTC)).valid


def test_a_credential_is_not_valid_before_its_valid_from(signing_key):
    token = sign_vc_jwt(build_credential(ISSUER, ACHIEVEMENT, AWARD), signing_key, KID)

    result = verify_vc_jwt(token, public_jwk(signing_key, KID), now=AWARDED_AT - timedelta(hours=1))

    assert result.valid is False
    assert result.errors == ["The credential is not valid until 2025-03-14 09:26 UTC."]


def test_verification_uses_the_current_time_by_default(signing_key):
    token = sign_vc_jwt(build_credential(ISSUER, ACHIEVEMENT, AWARD), signing_key, KID)

    assert verify_vc_jwt(token, public_jwk(signing_key, KID)).valid


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("iss", "https://elsewhere.example.com/issuer"),
        ("jti", "urn:uuid:00000000-0000-0000-0000-000000000000"),
        ("nbf", 0),
        ("sub", "did:example:someone-else"),
        ("exp", 4102444800),
    ],
)
def test_claims_that_contradict_the_signed_credential_are_rejected(signing_key, claim, value):
    token = sign_vc_jwt(build_credential(ISSUER, ACHIEVEMENT, AWARD), signing_key, KID)
    header, payload, _ = _segments(token)
    payload[claim] = value

    forged = _sign_raw(header, payload, signing_key)

    result = verify_vc_jwt(forged, public_jwk(signing_key, KID), now=A_DAY_LATER)

    assert result.valid is False
    assert result.credential is None
    assert result.errors == [f"The token's claims do not match the credential ({claim})."]


def test_a_signed_token_that_is_not_a_badge_credential_is_rejected(signing_key):
    header = {"alg": "EdDSA", "typ": "JWT", "kid": KID}
    payload = {"iss": ISSUER.id, "jti": "urn:uuid:1", "nbf": 0, "type": ["VerifiableCredential"]}

    forged = _sign_raw(header, payload, signing_key)

    result = verify_vc_jwt(forged, public_jwk(signing_key, KID), now=A_DAY_LATER)

    assert result.valid is False
    assert result.errors == ["The token does not contain an Open Badges credential."]


def test_an_unusable_verification_key_is_a_configuration_error():
    with pytest.raises(ValueError):
        verify_vc_jwt("a.b.c", {"kty": "RSA", "n": "AQAB", "e": "AQAB"})
    with pytest.raises(ValueError):
        verify_vc_jwt("a.b.c", "not a pem")
