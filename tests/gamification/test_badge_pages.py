"""Badges as people see them: the catalogue with how far along I am, a badge's page with
who earned it (unless they keep off leaderboards or the badge is private), my badges on
My points and a member's on their page, the credential only the earner downloads, and
the public pages where anyone checks a credential: valid, revoked, or tampered with.
Pages cost the same queries however many badges and earners there are."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from jsonschema import Draft201909Validator

from core.events import consume, emit
from core.models import Event
from gamification import credentials, openbadges, services
from gamification.badge_models import Badge, BadgeAward, BadgeKind
from gamification.models import PointsPreference, PointTotal
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

SCHEMA_PATH = Path(__file__).parent / "data" / "ob_v3p0_achievementcredential_schema.json"


def happen(world, verb: str, *, actor=None, when: dt.datetime | None = None, **payload) -> Event:
    """An event as the producers emit it, consumed by the points and badges consumer."""
    event = emit(verb, organization=world.org, actor=actor, cohort=world.cohort, subject=world.cohort,
                 payload=payload)
    if when is not None:
        Event.objects.filter(pk=event.pk).update(occurred_at=when)
        event.refresh_from_db()
    consume("gamification.points", str(event.pk))
    return event


def review(world, reviewer, *, times: int = 1) -> None:
    for _ in range(times):
        happen(world, "review_submitted", actor=reviewer, reviewer_id=reviewer.pk,
               author_id=world.peer_mentor.pk, is_self=False, comment_words=40)


def post(world, author, *, when=None) -> None:
    happen(world, "post_created", actor=author, when=when, author_id=author.pk, words=40)


def first_review_of(world, learner) -> BadgeAward:
    review(world, learner)
    return BadgeAward.objects.get(learner=learner, badge__code="first-review")


def classmates(world, count: int):
    return [MembershipFactory(cohort=world.cohort, role="learner").user for _ in range(count)]


def page(client, name: str, *args) -> str:
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    return response.content.decode()


def payload_of(token: str) -> dict:
    segment = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def check(client, url: str, token: str) -> str:
    response = client.post(url, {"token": token})
    assert response.status_code == 200
    return response.content.decode()


# --- catalogue, badge page, my badges --------------------------------------------------------------


def test_the_catalogue_shows_what_i_earned_and_how_far_along_i_am_with_the_rest(world, client):
    review(world, world.learner, times=7)
    post(world, world.learner, when=timezone.now() - dt.timedelta(weeks=1))
    post(world, world.learner)
    client.force_login(world.learner)

    html = page(client, "gamification:badges")

    earned = html.split('data-testid="badge-first-review"')[1].split("</article>")[0]
    assert "Earned on" in earned and "First review" in earned
    assert "7 of 10 reviews" in html
    assert "2 of 4 weeks in a row" in html
    total = PointTotal.objects.get(learner=world.learner, cohort=world.cohort).points
    assert f"{total} of 100 points" in html
    assert "0 of 5 kudos received in the last 4 weeks" in html
    assert reverse("credentials:image", args=[world.org.pk, Badge.objects.get(code="century").pk]) in html


def test_a_badge_page_says_what_it_means_how_to_earn_it_and_my_progress(world, client):
    review(world, world.learner, times=3)
    client.force_login(world.learner)

    html = page(client, "gamification:badge_detail", "dedicated-reviewer")

    badge = Badge.objects.get(code="dedicated-reviewer", organization=None)
    assert escape(badge.description) in html and escape(badge.criteria_text) in html
    assert escape(badge.criterion_summary) in html
    assert "3 of 10 reviews" in html


def test_a_badge_of_another_organisation_or_an_unknown_code_is_not_found(world, other_world, client):
    Badge.objects.create(organization=other_world.org, code="globex-star", name="Globex star",
                         description="-", criteria_text="-", kind=BadgeKind.SINGLE_EVENT, verb="post_created")
    client.force_login(world.learner)
    assert client.get(reverse("gamification:badge_detail", args=["globex-star"])).status_code == 404
    assert client.get(reverse("gamification:badge_detail", args=["no-such-badge"])).status_code == 404
    client.force_login(other_world.learner)
    assert client.get(reverse("gamification:badge_detail", args=["globex-star"])).status_code == 200


def test_an_organisations_own_badge_replaces_the_house_default_on_its_pages(world, client):
    Badge.objects.create(organization=world.org, code="first-review", name="Acme first feedback",
                         description="Acme's own.", criteria_text="Review once at Acme.",
                         kind=BadgeKind.SINGLE_EVENT, verb="review_submitted", recipient="reviewer_id")
    client.force_login(world.learner)
    assert "Acme first feedback" in page(client, "gamification:badges")
    assert "Review once at Acme." in page(client, "gamification:badge_detail", "first-review")


def test_earners_are_listed_for_public_badges_except_those_who_keep_off_leaderboards(world, client):
    sam, kim = classmates(world, 2)
    for person in (sam, kim, world.learner):
        review(world, person)
    PointsPreference.objects.create(user=kim, hide_from_leaderboards=True)
    client.force_login(world.peer_mentor)

    html = page(client, "gamification:badge_detail", "first-review")

    earners = html.split('data-testid="earners"')[1].split("</ul>")[0]
    assert sam.display_name in earners and world.learner.display_name in earners
    assert kim.display_name not in earners
    assert "Earned by 2 people" in page(client, "gamification:badges")

    Badge.objects.filter(code="first-review", organization=None).update(is_public=False)
    html = page(client, "gamification:badge_detail", "first-review")
    assert "keeps who earned this badge private" in html and sam.display_name not in html


def test_a_revoked_award_is_not_listed_among_the_earners(world, client):
    sam = classmates(world, 1)[0]
    award = first_review_of(world, sam)
    services.badge_revoke(actor=world.hr_admin, award=award, reason="Copied review")
    client.force_login(world.learner)
    assert sam.display_name not in page(client, "gamification:badge_detail", "first-review")


def test_my_points_list_my_badges_with_the_credential_and_a_revoked_one_with_its_reason(world, client):
    kept = first_review_of(world, world.learner)
    happen(world, "calibration_completed", actor=world.learner, learner_id=world.learner.pk, accuracy=0.95)
    revoked = BadgeAward.objects.get(learner=world.learner, badge__code="calibrated-reviewer")
    services.badge_revoke(actor=world.hr_admin, award=revoked, reason="Calibrated with a colleague's answers")
    client.force_login(world.learner)

    html = page(client, "gamification:mine")

    badges = html.split('data-testid="my-badges"')[1].split("</ul>")[0]
    assert "First review" in badges and reverse("gamification:badge_credential", args=[kept.pk]) in badges
    assert reverse("credentials:award", args=[kept.pk]) in badges
    assert "Calibrated reviewer" in badges and "Revoked on" in badges
    assert "Calibrated with a colleague&#x27;s answers" in badges
    assert reverse("gamification:badge_credential", args=[revoked.pk]) not in badges


def test_a_members_page_shows_their_public_badges_only(world, client):
    first_review_of(world, world.peer_mentor)
    happen(world, "calibration_completed", actor=world.peer_mentor, learner_id=world.peer_mentor.pk,
           accuracy=0.95)
    for _ in range(3):
        happen(world, "squad_milestone_reached", actor=world.peer_mentor, member_ids=[world.peer_mentor.pk])
    Badge.objects.filter(code="calibrated-reviewer", organization=None).update(is_public=False)
    services.badge_revoke(actor=world.hr_admin, reason="Milestones were not theirs",
                          award=BadgeAward.objects.get(learner=world.peer_mentor, badge__code="squad-player"))
    client.force_login(world.learner)

    html = page(client, "gamification:member", world.peer_mentor.pk)

    badges = html.split('data-testid="member-badges"')[1].split("</ul>")[0]
    assert "First review" in badges
    assert "Calibrated reviewer" not in badges and "Squad player" not in badges

    PointsPreference.objects.create(user=world.peer_mentor, hide_from_leaderboards=True)
    assert 'data-testid="member-badges"' not in page(client, "gamification:member", world.peer_mentor.pk)


def test_the_navigation_links_to_badges(world, client):
    client.force_login(world.learner)
    assert f'href="{reverse("gamification:badges")}"' in page(client, "gamification:mine")


def test_badge_pages_need_a_login(world, client):
    for url in (reverse("gamification:badges"), reverse("gamification:badge_detail", args=["first-review"])):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(("earners", "extra_badges"), [(2, 0), (30, 20)])
def test_badge_pages_cost_the_same_queries_with_more_badges_and_earners(
        world, client, earners, extra_badges, django_assert_max_num_queries):
    for person in classmates(world, earners):
        review(world, person)
    review(world, world.learner, times=3)
    Badge.objects.bulk_create(
        Badge(organization=world.org, code=f"extra-{number}", name=f"Extra {number}", description="-",
              criteria_text="-", kind=BadgeKind.COUNT, verb="post_created", threshold=3)
        for number in range(extra_badges))
    client.force_login(world.learner)
    pages = [reverse("gamification:badges"), reverse("gamification:badge_detail", args=["first-review"]),
             reverse("gamification:mine"), reverse("gamification:member", args=[world.learner.pk])]
    for url in pages:
        with django_assert_max_num_queries(12):
            assert client.get(url).status_code == 200
    award = BadgeAward.objects.get(learner=world.learner, badge__code="first-review")
    anonymous = Client()
    with django_assert_max_num_queries(3):
        assert anonymous.get(reverse("credentials:award", args=[award.pk])).status_code == 200


# --- the credential download -----------------------------------------------------------------------


def test_the_earner_downloads_a_signed_credential_that_satisfies_the_ob_v3p0_schema(world, client):
    award = first_review_of(world, world.learner)
    client.force_login(world.learner)

    response = client.get(reverse("gamification:badge_credential", args=[award.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vc+jwt"
    assert response["Content-Disposition"] == f'attachment; filename="first-review-{award.pk}.jwt"'
    assert "no-store" in response["Cache-Control"]
    token = response.content.decode()
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = Draft201909Validator(schema, format_checker=Draft201909Validator.FORMAT_CHECKER)
    payload = payload_of(token)
    assert [f"{list(error.path)}: {error.message}" for error in validator.iter_errors(payload)] == []
    assert payload["id"] == credentials.credential_url(award.pk)
    assert payload["issuer"]["name"] == world.org.name
    assert payload["credentialSubject"]["achievement"]["name"] == "First review"

    readable = client.get(reverse("gamification:badge_credential_json", args=[award.pk]))
    assert readable["Content-Type"] == "application/json"
    assert json.loads(readable.content)["id"] == payload["id"]


@pytest.mark.parametrize("role", ["peer_mentor", "facilitator", "hr_admin", "analyst"])
def test_nobody_but_the_earner_downloads_the_credential(world, client, role):
    award = first_review_of(world, world.learner)
    client.force_login(world.person(role))
    for name in ("gamification:badge_credential", "gamification:badge_credential_json"):
        assert client.get(reverse(name, args=[award.pk])).status_code == 404


def test_another_organisation_and_anonymous_visitors_get_no_credential(world, other_world, client):
    award = first_review_of(world, world.learner)
    url = reverse("gamification:badge_credential", args=[award.pk])
    assert client.get(url).status_code == 302
    client.force_login(other_world.learner)
    assert client.get(url).status_code == 404


def test_a_revoked_badge_has_no_credential_to_download(world, client):
    award = first_review_of(world, world.learner)
    services.badge_revoke(actor=world.hr_admin, award=award, reason="Copied review")
    client.force_login(world.learner)
    assert client.get(reverse("gamification:badge_credential", args=[award.pk])).status_code == 404


# --- the public verification pages ---------------------------------------------------------------


@pytest.fixture
def downloaded(world, client):
    """An award and the credential its earner downloaded."""
    award = first_review_of(world, world.learner)
    client.force_login(world.learner)
    token = client.get(reverse("gamification:badge_credential", args=[award.pk])).content.decode()
    client.logout()
    return award, token


def test_the_verification_page_shows_the_award_to_anyone_without_a_session(world, downloaded):
    award, _ = downloaded
    visitor = Client()
    sessions = Session.objects.count()

    html = page(visitor, "credentials:award", award.pk)

    status = html.split('data-testid="status"')[1].split("</p>")[0]
    assert "Valid" in status
    assert "First review" in html and escape(award.badge.description) in html
    assert escape(award.badge.criteria_text) in html
    assert world.org.name in html and world.learner.display_name in html
    assert timezone.localtime(award.awarded_at).strftime("%-d %B %Y") in html
    assert reverse("credentials:image", args=[world.org.pk, award.badge_id]) in html
    assert Session.objects.count() == sessions and "sessionid" not in visitor.cookies


def test_after_a_revocation_the_page_and_the_checker_say_revoked_and_why(world, downloaded):
    award, token = downloaded
    services.badge_revoke(actor=world.hr_admin, award=award, reason="The review was copied")
    url = reverse("credentials:award", args=[award.pk])

    html = page(Client(), "credentials:award", award.pk)

    status = html.split('data-testid="status"')[1].split("</p>")[0]
    assert "Revoked" in status and "The review was copied" in status
    result = check(Client(), url, token).split('data-testid="check-result"')[1].split("</div>")[0]
    assert "revoked" in result and "The review was copied" in result and "Verified" not in result


def test_the_downloaded_credential_verifies_pasted_or_uploaded(world, downloaded):
    award, token = downloaded
    visitor = Client()
    for url in (reverse("credentials:award", args=[award.pk]), reverse("credentials:verify")):
        assert f"Verified: signed by {world.org.name} and not revoked." in check(visitor, url, token)
        upload = SimpleUploadedFile("first-review.jwt", token.encode() + b"\n", "application/vc+jwt")
        html = visitor.post(url, {"credential_file": upload}).content.decode()
        assert f"Verified: signed by {world.org.name} and not revoked." in html


def test_the_checker_says_when_a_credential_belongs_to_another_award(world, downloaded):
    _, token = downloaded
    other = first_review_of(world, world.peer_mentor)
    html = check(Client(), reverse("credentials:award", args=[other.pk]), token)
    assert "Verified" in html and "the credential of another award" in html


def _tampered_payload(token: str) -> str:
    header, payload, signature = token.split(".")
    index = len(payload) // 2
    swapped = "B" if payload[index] != "B" else "C"
    return f"{header}.{payload[:index]}{swapped}{payload[index + 1:]}.{signature}"


def test_a_changed_character_anywhere_in_the_credential_is_rejected(world, downloaded):
    _, token = downloaded
    url = reverse("credentials:verify")
    visitor = Client()
    html = check(visitor, url, _tampered_payload(token))
    assert "Verified" not in html and "Not verified." in html
    assert escape(openbadges.SIGNATURE_MISMATCH_MESSAGE) in html or openbadges.MALFORMED_MESSAGE in html
    # Every position, every other character: none verifies (the signature's last character
    # has spare bits that a lenient decoder would ignore).
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    positions = [0, len(token) // 3, len(token) // 2, len(token) - 2, len(token) - 1]
    for position in positions:
        for character in alphabet:
            if token[position] == character:
                continue
            changed = token[:position] + character + token[position + 1:]
            assert not credentials.check_token(changed).valid, (position, character)


def test_a_credential_re_signed_with_another_key_is_rejected(world, downloaded):
    award, _ = downloaded
    stranger_key = openbadges.generate_signing_key()
    credential = credentials.credential_for(award)
    url = reverse("credentials:verify")
    # Claiming to be signed with our key: the signature does not match it.
    forged = openbadges.sign_vc_jwt(credential, stranger_key, credentials.key_url(world.org.pk))
    html = check(Client(), url, forged)
    assert "Not verified." in html and escape(openbadges.SIGNATURE_MISMATCH_MESSAGE) in html
    # Naming its own key: not a key of ours.
    foreign = openbadges.sign_vc_jwt(credential, stranger_key, "https://elsewhere.example/key.json")
    html = check(Client(), url, foreign)
    assert "Not verified." in html and "not issued here" in html


@pytest.mark.parametrize("garbage", [
    "", "   ", "not a token", "a.b.c", "eyJ" * 5000, "\u202e\u0000.x.y", "x" * 300_000,
    # Names a key address of ours with an organisation id beyond any database integer.
    base64.urlsafe_b64encode(json.dumps({
        "alg": "EdDSA", "kid": "http://127.0.0.1:8000/credentials/issuers/99999999999999999999999/key.json",
    }).encode()).decode().rstrip("=") + ".e30.AAAA",
])
def test_garbage_is_answered_in_the_form_not_with_an_error_page(world, garbage):
    response = Client().post(reverse("credentials:verify"), {"token": garbage})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Verified:" not in html
    assert "Not verified." in html or 'class="message message-error"' in html or 'class="errorlist"' in html


def test_a_binary_or_oversized_file_is_answered_in_the_form(world):
    visitor = Client()
    url = reverse("credentials:verify")
    binary = SimpleUploadedFile("photo.jwt", bytes(range(256)) * 10)
    assert "not a badge credential" in visitor.post(url, {"credential_file": binary}).content.decode()
    huge = SimpleUploadedFile("huge.jwt", b"e" * (openbadges.MAX_TOKEN_LENGTH + 10))
    assert "too large" in visitor.post(url, {"credential_file": huge}).content.decode()
    # A body beyond Django's limit, when the view is the first to read it. (With CSRF
    # enforced the middleware reads it first and answers 400; the textarea's maxlength keeps
    # a browser from sending one.)
    html = visitor.post(url, {"token": "e" * 3_000_000}).content.decode()
    assert "too large" in html


def test_the_checker_is_a_form_protected_against_cross_site_posts(world, downloaded):
    _, token = downloaded
    guarded = Client(enforce_csrf_checks=True)
    assert guarded.post(reverse("credentials:verify"), {"token": token}).status_code == 403
    form = guarded.get(reverse("credentials:verify")).content.decode()
    csrf = form.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    html = guarded.post(reverse("credentials:verify"), {"token": token, "csrfmiddlewaretoken": csrf})
    assert "Verified:" in html.content.decode()


def test_an_unknown_award_is_not_found(world):
    assert Client().get(reverse("credentials:award", args=["6f1c1d9e-5b7a-4c1e-9d3e-2a9f0b4c8e11"])
                        ).status_code == 404


# --- issuer, key, achievement and image documents -------------------------------------------------


def test_the_issuer_profile_is_public_json_once_the_organisation_has_signed(world):
    url = reverse("credentials:issuer", args=[world.org.pk])
    assert Client().get(url).status_code == 404  # no credential yet: the name stays private
    services.signing_key(world.org)
    response = Client().get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    profile = response.json()
    assert profile["id"] == credentials.issuer_url(world.org.pk)
    assert profile["type"] == ["Profile"] and profile["name"] == world.org.name and profile["url"]
    assert Client().get(reverse("credentials:issuer", args=[world.org.pk + 1000])).status_code == 404


def test_the_public_key_appears_once_the_organisation_signs_and_never_its_private_half(world, client):
    url = reverse("credentials:key", args=[world.org.pk])
    assert Client().get(url).status_code == 404
    award = first_review_of(world, world.learner)
    client.force_login(world.learner)
    token = client.get(reverse("gamification:badge_credential", args=[award.pk])).content.decode()

    jwk = Client().get(url).json()

    assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519" and "d" not in jwk
    assert jwk["kid"] == credentials.key_url(world.org.pk)
    assert openbadges.verify_vc_jwt(token, jwk).valid


def test_an_achievement_resolves_only_for_a_badge_the_organisation_awards(world, other_world):
    default = Badge.objects.get(code="first-review", organization=None)
    response = Client().get(reverse("credentials:achievement", args=[world.org.pk, default.pk]))
    assert response.status_code == 200
    document = response.json()
    assert document["id"] == credentials.achievement_url(world.org.pk, default.pk)
    assert document["type"] == ["Achievement"] and document["achievementType"] == "Badge"
    assert document["name"] == default.name and document["description"] == default.description
    assert document["criteria"] == {"narrative": default.criteria_text}
    assert document["image"]["id"] == credentials.image_url(world.org.pk, default.pk)

    theirs = Badge.objects.create(organization=other_world.org, code="globex-star", name="Globex star",
                                  description="-", criteria_text="-", kind=BadgeKind.SINGLE_EVENT,
                                  verb="post_created")
    for name in ("credentials:achievement", "credentials:image"):
        assert Client().get(reverse(name, args=[world.org.pk, theirs.pk])).status_code == 404
        assert Client().get(reverse(name, args=[other_world.org.pk, theirs.pk])).status_code == 200
    # Replaced by the organisation's own badge: the default is no longer its achievement...
    Badge.objects.create(organization=other_world.org, code="first-review", name="Globex first review",
                         description="-", criteria_text="-", kind=BadgeKind.SINGLE_EVENT,
                         verb="review_submitted", recipient="reviewer_id")
    assert Client().get(reverse("credentials:achievement", args=[other_world.org.pk, default.pk])
                        ).status_code == 404


def test_an_achievement_already_awarded_keeps_resolving_after_it_is_switched_off(world):
    award = first_review_of(world, world.learner)
    Badge.objects.filter(pk=award.badge_id).update(is_active=False)
    for name in ("credentials:achievement", "credentials:image"):
        assert Client().get(reverse(name, args=[world.org.pk, award.badge_id])).status_code == 200


@pytest.mark.parametrize("icon", ["star", "shield", "flame", "target", "people", "heart"])
def test_the_badge_image_is_a_cacheable_svg_medallion_in_its_colour(world, icon):
    badge = Badge.objects.create(organization=world.org, code=f"icon-{icon}", name=f"{icon.title()} <b>",
                                 description="-", criteria_text="-", kind=BadgeKind.SINGLE_EVENT,
                                 verb="post_created", icon=icon, colour="#123abc")
    visitor = Client()
    url = reverse("credentials:image", args=[world.org.pk, badge.pk])

    response = visitor.get(url)

    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert "public" in response["Cache-Control"] and "max-age" in response["Cache-Control"]
    svg = response.content.decode()
    assert svg.startswith("<svg") and 'fill="#123abc"' in svg
    assert "<text" not in svg and "<script" not in svg.lower() and "<b>" not in svg
    assert visitor.get(url, headers={"if-none-match": response["ETag"]}).status_code == 304


def test_an_unexpected_colour_never_reaches_the_svg(world):
    badge = Badge.objects.create(organization=world.org, code="odd", name="Odd", description="-",
                                 criteria_text="-", kind=BadgeKind.SINGLE_EVENT, verb="post_created",
                                 colour='"><svg>')
    svg = Client().get(reverse("credentials:image", args=[world.org.pk, badge.pk])).content.decode()
    assert svg.count("<svg") == 1 and 'fill="#2f6f4e"' in svg
