"""Badges through the REST API: the badges of my organisation (an own badge replaces
the house default, an inactive one switches it off), the awards each role may see
and filter, the earner's signed credential, and an HR admin revoking an award with
a reason; another organisation's badge or award is a 404."""

from __future__ import annotations

import base64
import json

import pytest
from django.conf import settings

from core.models import AuditEntry
from gamification import credentials
from gamification.badge_models import Badge, BadgeAward, BadgeKind
from gamification.services.preferences import points_preference_set
from tests.cohorts.test_api import assert_error, results
from tests.factories import MembershipFactory
from tests.gamification.test_badges import review

pytestmark = pytest.mark.django_db

API = "/api/v1"


def award_of(learner, code: str = "first-review") -> BadgeAward:
    return BadgeAward.objects.get(learner=learner, badge__code=code)


@pytest.fixture
def awards(world) -> dict[str, BadgeAward]:
    """The learner and the peer mentor each wrote a first review; the peer mentor stays
    off leaderboards, so only staff and they see the peer mentor's award."""
    review(world, world.learner)
    review(world, world.peer_mentor)
    points_preference_set(actor=world.peer_mentor, hide_from_leaderboards=True)
    return {"learner": award_of(world.learner), "mentor": award_of(world.peer_mentor)}


def jwt_payload(token: str) -> dict:
    segment = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def test_members_read_their_organisations_badges(world, other_world, api_client):
    # Given an organisation that replaced "century" with its own and switched "appreciated" off
    defaults = {badge.code: badge for badge in Badge.objects.filter(organization=None)}
    own = Badge.objects.create(organization=world.org, code="century", name="Half century",
                               description="Fifty points.", criteria_text="Earn 50 points in a cohort.",
                               kind=BadgeKind.POINTS, threshold=50, colour="#123456")
    Badge.objects.create(organization=world.org, code="appreciated", name="Thanked", description="-",
                         criteria_text="-", kind=BadgeKind.COUNT, verb="kudos_given",
                         recipient="recipient_id", threshold=3, is_active=False)
    Badge.objects.create(organization=other_world.org, code="globex-only", name="Globex only",
                         description="-", criteria_text="-", kind=BadgeKind.POINTS, threshold=10)
    client = api_client(world.learner)

    # When a learner lists the badges
    listed = {row["code"]: row for row in results(client.get(f"{API}/badges/"))}

    # Then they see their own badge instead of the default, and nothing switched off or of another
    # organisation
    assert set(listed) == set(defaults) - {"appreciated"}
    century = listed["century"]
    assert (century["id"], century["name"], century["threshold"]) == (own.pk, "Half century", 50)
    assert century["criterion_summary"] == "50 points in a cohort"
    first = listed["first-review"]
    assert first["criteria_text"] == "Submit a peer review of at least 20 words."
    assert first["criterion_summary"].startswith("Once: ")
    assert (first["kind"], first["period_weeks"], first["is_public"]) == ("single_event", None, True)
    assert first["image_url"] == credentials.image_url(world.org.pk, first["id"])
    assert first["image_url"].startswith(settings.SITE_URL.rstrip("/") + "/")
    assert first["achievement_url"] == credentials.achievement_url(world.org.pk, first["id"])

    # And one badge reads alone; the default it replaced and another organisation's do not
    assert client.get(f"{API}/badges/{own.pk}/").json()["code"] == "century"
    assert_error(client.get(f"{API}/badges/{defaults['century'].pk}/"), 404)
    other = Badge.objects.get(code="globex-only")
    assert_error(client.get(f"{API}/badges/{other.pk}/"), 404)
    # Badges are edited in the admin
    assert client.post(f"{API}/badges/", {"code": "x"}, format="json").status_code == 405
    assert client.patch(f"{API}/badges/{own.pk}/", {"name": "x"}, format="json").status_code == 405


def test_each_role_sees_the_awards_the_policy_allows(world, awards, api_client):
    learner, mentor = str(awards["learner"].pk), str(awards["mentor"].pk)
    expected = {
        "hr_admin": {learner, mentor}, "analyst": {learner, mentor}, "facilitator": {learner, mentor},
        "peer_mentor": {learner, mentor}, "expert": {learner}, "learner": {learner}, "outsider": {learner},
    }
    seen = {role: {row["id"] for row in results(api_client(world.person(role)).get(f"{API}/badge-awards/"))}
            for role in expected}
    assert seen == expected
    assert_error(api_client(world.expert).get(f"{API}/badge-awards/{mentor}/"), 404)
    assert_error(api_client().get(f"{API}/badge-awards/"), 401)


def test_an_award_reads_as_the_badge_the_earner_and_its_verification_page(world, awards, api_client):
    award = awards["learner"]
    row = api_client(world.outsider).get(f"{API}/badge-awards/{award.pk}/").json()
    assert row == {
        "id": str(award.pk),
        "badge": {"id": award.badge_id, "code": "first-review", "name": "First review"},
        "learner": {"id": world.learner.pk, "name": world.learner.display_name},
        "cohort": world.cohort.pk,
        "awarded_at": row["awarded_at"],
        "revoked_at": None,
        "revocation_reason": None,
        "verification_url": credentials.credential_url(award.pk),
    }
    assert row["verification_url"].startswith(settings.SITE_URL.rstrip("/") + "/")


def test_awards_filter_by_learner_badge_cohort_and_revocation(world, other_world, awards, api_client):
    for _ in range(9):
        review(world, world.learner)  # ten in all: "Dedicated reviewer" too
    dedicated = award_of(world.learner, "dedicated-reviewer")
    client = api_client(world.hr_admin)
    client.post(f"{API}/badge-awards/{dedicated.pk}/revoke/", {"reason": "Copied"}, format="json")

    def ids(**query) -> set[str]:
        response = client.get(f"{API}/badge-awards/", query)
        assert response.status_code == 200, response.content[:300]
        return {row["id"] for row in results(response)}

    every = {str(awards["learner"].pk), str(awards["mentor"].pk), str(dedicated.pk)}
    assert ids() == every
    assert ids(learner=world.learner.pk) == {str(awards["learner"].pk), str(dedicated.pk)}
    assert ids(badge="dedicated-reviewer") == {str(dedicated.pk)}
    assert ids(badge="no-such-badge") == set()
    assert ids(cohort=world.cohort.pk) == every
    assert ids(cohort=world.other_cohort.pk) == set()
    assert ids(revoked="true") == {str(dedicated.pk)}
    assert ids(revoked="false") == every - {str(dedicated.pk)}
    # Another organisation's person or cohort is as unknown as an id nobody has
    for name, foreign in (("learner", other_world.learner.pk), ("cohort", other_world.cohort.pk)):
        response = client.get(f"{API}/badge-awards/", {name: foreign})
        assert response.status_code == 400 and name in response.json()["errors"]


def test_only_the_earner_downloads_the_signed_credential(world, awards, api_client):
    award = awards["learner"]
    url = f"{API}/badge-awards/{award.pk}/credential/"

    # When the earner downloads it
    response = api_client(world.learner).get(url)

    # Then it is a VC-JWT whose payload is the credential, identified by the verification page
    assert response.status_code == 200
    body = response.json()
    assert body["verification_url"] == credentials.credential_url(award.pk)
    payload = jwt_payload(body["credential"])
    assert payload["id"] == payload["jti"] == body["verification_url"]
    assert "OpenBadgeCredential" in payload["type"]
    assert payload["credentialSubject"]["achievement"]["name"] == "First review"
    assert payload["issuer"]["name"] == world.org.name
    assert credentials.check_token(body["credential"]).valid

    # And whoever sees the award but did not earn it is refused; whoever cannot see it finds nothing
    for who in (world.hr_admin, world.analyst, world.facilitator, world.peer_mentor):
        assert_error(api_client(who).get(url), 403)
    assert_error(api_client(world.learner).get(f"{API}/badge-awards/{awards['mentor'].pk}/credential/"), 404)
    assert_error(api_client().get(url), 401)


def test_an_hr_admin_revokes_an_award_with_a_reason(world, awards, api_client):
    award = awards["learner"]
    url = f"{API}/badge-awards/{award.pk}/revoke/"

    # Nobody else may, whatever they send
    for who in (world.analyst, world.facilitator, world.learner):
        assert_error(api_client(who).post(url, {"reason": ""}, format="json"), 403)
    assert_error(api_client(world.expert).post(
        f"{API}/badge-awards/{awards['mentor'].pk}/revoke/", {"reason": "x"}, format="json"), 404)

    # An HR admin must say why
    client = api_client(world.hr_admin)
    for body in ({"reason": "   "}, {}):
        response = client.post(url, body, format="json")
        assert_error(response, 400)
        assert response.json()["errors"]["reason"]
    assert client.post(url, {"reason": "   "}, format="json").json()["errors"]["reason"] == [
        "Say why the badge is revoked; the earner sees it."]
    assert client.post(url, {"reason": "x" * 301}, format="json").status_code == 400

    # When they give a reason
    response = client.post(url, {"reason": "The review was copied from another course."}, format="json")

    # Then the award shows revoked, with the reason, and the revocation is audited
    assert response.status_code == 200
    row = response.json()
    assert row["id"] == str(award.pk) and row["revoked_at"] is not None
    assert row["revocation_reason"] == "The review was copied from another course."
    entry = AuditEntry.objects.get(action="badge.revoke", target_id=str(award.pk))
    assert entry.actor == world.hr_admin and entry.organization == world.org
    assert client.get(f"{API}/badge-awards/", {"revoked": "true"}).json()["results"][0]["id"] == str(award.pk)

    # The earner, HR admins and analysts read why; the cohort's facilitator sees only that it
    # was revoked; other members no longer see the award at all
    for who, reason in ((world.learner, row["revocation_reason"]), (world.analyst, row["revocation_reason"]),
                        (world.facilitator, None)):
        seen = api_client(who).get(f"{API}/badge-awards/{award.pk}/").json()
        assert (seen["revoked_at"] is not None, seen["revocation_reason"]) == (True, reason), who
    assert api_client(world.outsider).get(f"{API}/badge-awards/{award.pk}/").status_code == 404

    # A second revocation is refused, and the revoked award has no credential to download
    again = client.post(url, {"reason": "Again"}, format="json")
    assert_error(again, 400)
    assert again.json()["errors"]["reason"] == ["This badge was already revoked."]
    assert AuditEntry.objects.filter(action="badge.revoke").count() == 1
    assert_error(api_client(world.learner).get(f"{API}/badge-awards/{award.pk}/credential/"), 400)


def test_other_organisations_awards_are_404_for_every_action(world, other_world, api_client):
    review(other_world, other_world.learner)
    theirs = award_of(other_world.learner)
    client = api_client(world.hr_admin)
    assert_error(client.get(f"{API}/badge-awards/{theirs.pk}/"), 404)
    assert_error(client.get(f"{API}/badge-awards/{theirs.pk}/credential/"), 404)
    assert_error(client.post(f"{API}/badge-awards/{theirs.pk}/revoke/", {"reason": "x"}, format="json"), 404)
    assert results(client.get(f"{API}/badge-awards/")) == []
    theirs.refresh_from_db()
    assert not theirs.is_revoked


@pytest.mark.parametrize("list_path", ["badges/", "badge-awards/"])
def test_lists_take_the_same_queries_for_few_and_many_rows(world, api_client, django_assert_max_num_queries,
                                                           list_path):
    def earn(learners: int) -> None:
        for _ in range(learners):
            review(world, MembershipFactory(cohort=world.cohort, role="learner").user)

    def queries(viewer) -> int:
        client = api_client(viewer)
        client.get(f"{API}/{list_path}")  # warm up: the session, the roles
        with django_assert_max_num_queries(50) as captured:
            response = client.get(f"{API}/{list_path}", {"page_size": 100})
        assert response.status_code == 200
        return len(captured)

    earn(5)
    few = {role: queries(world.person(role)) for role in ("hr_admin", "learner")}
    earn(35)
    assert BadgeAward.objects.count() == 40
    many = {role: queries(world.person(role)) for role in ("hr_admin", "learner")}
    assert many == few
    assert max(many.values()) <= 5
