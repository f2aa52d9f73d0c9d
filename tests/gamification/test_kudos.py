"""Peer kudos: a member thanks a peer of the same cohort with a short message, rate
limited; the kudos show to the cohort, count as an event and earn the recipient
points. The service, the policy, the portal form and the REST API."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.utils import timezone

from cohorts.models import CohortRole
from core import policy
from core.errors import ApplicationError, PermissionDenied
from core.events import consume
from core.models import AuditEntry, Event
from gamification import kudos_selectors
from gamification.events import GamificationVerb
from gamification.models import Kudos, PointTotal
from gamification.services import kudos_give
from gamification.services.kudos import KUDOS_PER_SENDER_LIMIT
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(hours=24)
KUDOS_URL = "/points/kudos/new/"
API_URL = "/api/v1/kudos/"


def give(world, sender=None, recipient=None, message="Thanks for the careful review!", **kwargs):
    return kudos_give(actor=sender or world.learner, recipient=recipient or world.peer_mentor,
                      cohort=kwargs.pop("cohort", world.cohort), message=message, **kwargs)


def refused(call) -> dict[str, list[str]]:
    with pytest.raises(ApplicationError) as caught:
        call()
    assert not isinstance(caught.value, PermissionDenied)
    return caught.value.errors


def peers(world, count: int) -> list:
    """`count` more learners in the world's cohort."""
    people = [UserFactory(organization=world.org, full_name=f"Peer {n}") for n in range(count)]
    for person in people:
        MembershipFactory(cohort=world.cohort, user=person, role=CohortRole.LEARNER)
    return people


# --- the service ------------------------------------------------------------------------


def test_giving_kudos_writes_the_row_one_event_an_audit_entry_and_earns_the_recipient_points(world):
    kudos = give(world, message="  Thanks for the careful review of my draft!  ", now=NOW)

    assert Kudos.objects.get() == kudos
    assert (kudos.cohort, kudos.sender, kudos.recipient) == (world.cohort, world.learner, world.peer_mentor)
    assert kudos.message == "Thanks for the careful review of my draft!"
    assert kudos.created_at == NOW
    event = Event.objects.get(verb=GamificationVerb.KUDOS_GIVEN)
    assert (event.actor, event.cohort, event.organization) == (world.learner, world.cohort, world.org)
    assert (event.subject_type, event.subject_id) == ("gamification.kudos", str(kudos.pk))
    assert event.payload == {"kudos_id": kudos.pk, "recipient_id": world.peer_mentor.pk,
                             "sender_id": world.learner.pk, "words": 8}
    entry = AuditEntry.objects.get(action="kudos.give")
    assert (entry.actor, entry.organization, entry.target_id) == (world.learner, world.org, str(kudos.pk))
    assert entry.changes["recipient"] == [None, world.peer_mentor.pk]

    assert consume("gamification.points", str(event.pk)) is True
    assert PointTotal.objects.get(learner=world.peer_mentor, cohort=world.cohort).points == 2
    assert not PointTotal.objects.filter(learner=world.learner).exists()


@pytest.mark.parametrize("role", ["facilitator", "expert", "peer_mentor", "learner"])
def test_any_member_of_the_cohort_may_send_kudos(world, role):
    sender = world.person(role)
    recipient = world.learner if role != "learner" else world.facilitator
    assert give(world, sender=sender, recipient=recipient).sender == sender


@pytest.mark.parametrize("role", ["hr_admin", "analyst", "outsider"])
def test_people_outside_the_cohort_may_not_send_kudos_there(world, role):
    with pytest.raises(PermissionDenied):
        give(world, sender=world.person(role))
    assert not Kudos.objects.exists()


def test_nobody_sends_kudos_in_another_organisations_cohort(world, other_world):
    with pytest.raises(PermissionDenied):
        give(world, cohort=other_world.cohort, recipient=other_world.learner)


@pytest.mark.parametrize(("message", "expected"), [
    ("", "Write a short thank-you first."),
    (" \n\t ", "Write a short thank-you first."),
    ("x" * 281, "Keep kudos short: 280 characters at most (this one has 281)."),
    ("Thanks <script>alert(1)</script>", "Kudos are plain text: leave out HTML tags such as <b>."),
    ("Thanks\x00", "Kudos are plain text: remove the control characters."),
])
def test_a_message_must_be_short_plain_text(world, message, expected):
    assert refused(lambda: give(world, message=message)) == {"message": [expected]}
    assert not Kudos.objects.exists() and not Event.objects.exists()


def test_a_message_of_280_characters_counts_a_browsers_new_lines_once(world):
    message = ("x" * 139) + "\r\n" + ("y" * 140)  # 281 characters as sent, 280 as typed
    assert give(world, message=message).message == ("x" * 139) + "\n" + ("y" * 140)
    assert give(world, recipient=world.expert, message="<3 thank you").message == "<3 thank you"


def test_nobody_thanks_themselves(world):
    errors = refused(lambda: give(world, recipient=world.learner))
    assert errors == {"recipient": ["You cannot send kudos to yourself; thank a peer instead."]}


def test_the_recipient_must_be_an_active_member_of_the_same_cohort(world, other_world):
    expected = {"recipient": [f"Choose an active member of {world.cohort.name} to thank."]}
    assert refused(lambda: give(world, recipient=world.outsider)) == expected
    assert refused(lambda: give(world, recipient=other_world.learner)) == expected
    elsewhere = UserFactory(organization=world.org)
    MembershipFactory(cohort=world.other_cohort, user=elsewhere)
    assert refused(lambda: give(world, recipient=elsewhere)) == expected
    world.peer_mentor.is_active = False
    world.peer_mentor.save(update_fields=["is_active"])
    assert refused(lambda: give(world)) == expected
    assert not Kudos.objects.exists()


def test_the_sixth_kudos_in_24_hours_is_refused_across_cohorts_and_passes_a_day_later(world):
    others = peers(world, 3)
    MembershipFactory(cohort=world.other_cohort, user=world.learner, role=CohortRole.LEARNER)
    elsewhere = UserFactory(organization=world.org, full_name="Elsewhere")
    MembershipFactory(cohort=world.other_cohort, user=elsewhere)
    policy.forget_roles(world.learner)
    for recipient in [world.peer_mentor, world.expert, *others[:2]]:
        give(world, recipient=recipient, now=NOW)
    give(world, recipient=elsewhere, cohort=world.other_cohort, now=NOW + dt.timedelta(hours=1))
    assert Kudos.objects.filter(sender=world.learner).count() == KUDOS_PER_SENDER_LIMIT

    errors = refused(lambda: give(world, recipient=others[2], now=NOW + dt.timedelta(hours=23)))
    assert errors == {"message": ["You have sent 5 kudos in the last 24 hours; you can send more tomorrow."]}
    assert give(world, recipient=others[2], now=NOW + DAY).recipient == others[2]
    assert Event.objects.filter(verb=GamificationVerb.KUDOS_GIVEN).count() == 6


def test_a_second_kudos_to_the_same_peer_within_24_hours_is_refused_and_passes_a_day_later(world):
    give(world, now=NOW)
    errors = refused(lambda: give(world, now=NOW + DAY - dt.timedelta(seconds=1)))
    name = world.peer_mentor.display_name
    assert errors == {"recipient": [f"You already thanked {name} in the last 24 hours; "
                                    "you can thank them again tomorrow."]}
    give(world, recipient=world.expert, now=NOW + dt.timedelta(hours=1))  # someone else: fine
    assert give(world, now=NOW + DAY).recipient == world.peer_mentor
    # The limit is the sender's: the peer may thank back at once.
    assert give(world, sender=world.peer_mentor, recipient=world.learner, now=NOW).sender == world.peer_mentor


# --- what people see --------------------------------------------------------------------


def test_kudos_are_seen_by_the_cohort_and_the_organisations_staff_never_by_others(world, other_world):
    kudos = give(world)
    foreign = kudos_give(actor=other_world.learner, recipient=other_world.expert, cohort=other_world.cohort,
                         message="Thanks!")
    elsewhere = UserFactory(organization=world.org)
    MembershipFactory(cohort=world.other_cohort, user=elsewhere)

    def visible(user):
        return list(policy.scope(user, Kudos.objects.all()))

    for role in ("hr_admin", "analyst", "facilitator", "expert", "peer_mentor", "learner"):
        assert visible(world.person(role)) == [kudos], role
    assert visible(world.outsider) == []
    assert visible(elsewhere) == []
    assert visible(other_world.hr_admin) == [foreign]


def test_kudos_received_lists_the_newest_first_as_far_as_the_viewer_may_see(world, django_assert_num_queries):
    older = give(world, message="First", now=NOW - dt.timedelta(days=2))
    newer = give(world, sender=world.expert, message="Second", now=NOW)
    give(world, sender=world.peer_mentor, recipient=world.expert, now=NOW)

    with django_assert_num_queries(2):  # the viewer's roles, then the kudos with their senders
        received = kudos_selectors.kudos_received(world.peer_mentor, world.facilitator)
        assert [(k.message, k.sender.display_name) for k in received] == [
            ("Second", world.expert.display_name), ("First", world.learner.display_name)]
    assert received == [newer, older]
    assert kudos_selectors.kudos_received(world.peer_mentor, world.outsider) == []
    assert kudos_selectors.kudos_received(world.peer_mentor, world.facilitator, limit=1) == [newer]


def test_whom_a_member_may_thank_is_the_cohorts_other_active_members_by_name(world):
    gone = UserFactory(organization=world.org, full_name="Aaron Gone", is_active=False)
    MembershipFactory(cohort=world.cohort, user=gone)
    names = [u.display_name for u in kudos_selectors.kudos_recipients(world.learner, world.cohort)]
    assert names == sorted(u.display_name for u in (world.facilitator, world.expert, world.peer_mentor))
    assert not kudos_selectors.kudos_recipients(world.hr_admin, world.cohort).exists()
    assert not kudos_selectors.kudos_recipients(world.learner, world.other_cohort).exists()


# --- the portal form --------------------------------------------------------------------


def test_the_form_preselects_the_cohort_and_the_peer(world, portal_client):
    response = portal_client(world.learner).get(KUDOS_URL, {"cohort": world.cohort.pk,
                                                            "to": world.peer_mentor.pk})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial == {"cohort": world.cohort.pk, "recipient": world.peer_mentor.pk}
    assert list(form.fields["recipient"].queryset) == list(
        kudos_selectors.kudos_recipients(world.learner, world.cohort))
    html = response.content.decode()
    assert f'<option value="{world.peer_mentor.pk}" selected>' in html
    assert 'maxlength="280"' in html and 'name="csrfmiddlewaretoken"' in html
    assert '<label for="id_message">Your message' in html


def test_the_form_for_a_cohort_the_user_is_not_in_is_a_404(world, other_world, portal_client):
    client = portal_client(world.learner)
    assert client.get(KUDOS_URL, {"cohort": world.other_cohort.pk}).status_code == 404
    assert client.get(KUDOS_URL, {"cohort": other_world.cohort.pk}).status_code == 404
    assert client.post(KUDOS_URL, {"cohort": world.other_cohort.pk, "recipient": world.expert.pk,
                                   "message": "Thanks"}).status_code == 404
    assert portal_client(world.hr_admin).get(KUDOS_URL, {"cohort": world.cohort.pk}).status_code == 404


def test_the_form_needs_a_sign_in(world, client):
    response = client.get(KUDOS_URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_sending_kudos_from_the_form_redirects_to_the_peers_page_with_a_message(world, portal_client):
    client = portal_client(world.learner)
    response = client.post(KUDOS_URL, {"cohort": world.cohort.pk, "recipient": world.peer_mentor.pk,
                                       "message": "Thanks for the\r\nreview!"})
    assert response.status_code == 302
    assert response["Location"] == f"/points/people/{world.peer_mentor.pk}/"
    kudos = Kudos.objects.get()
    assert (kudos.sender, kudos.recipient, kudos.message) == (world.learner, world.peer_mentor,
                                                               "Thanks for the\nreview!")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"Your kudos are on their way to {world.peer_mentor.display_name}."]

    response = client.post(KUDOS_URL, {"cohort": world.cohort.pk, "recipient": world.expert.pk,
                                       "message": "Thanks!", "next": "/peer-review/"})
    assert response["Location"] == "/peer-review/"
    response = client.post(KUDOS_URL, {"cohort": world.cohort.pk, "recipient": world.facilitator.pk,
                                       "message": "Thanks!", "next": "https://evil.example/"})
    assert response["Location"] == f"/points/people/{world.facilitator.pk}/"


def test_a_refused_kudos_shows_the_form_again_with_the_message_and_the_text_kept(world, portal_client):
    give(world, now=timezone.now() - dt.timedelta(hours=1))
    client = portal_client(world.learner)
    response = client.post(KUDOS_URL, {"cohort": world.cohort.pk, "recipient": world.peer_mentor.pk,
                                       "message": "Thanks again & again"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "You already thanked" in html and "you can thank them again tomorrow." in html
    assert "Thanks again &amp; again</textarea>" in html
    assert f'<option value="{world.peer_mentor.pk}" selected>' in html

    response = client.post(KUDOS_URL, {"cohort": world.cohort.pk, "recipient": world.expert.pk,
                                       "message": "<b>Thanks</b>"})
    assert response.status_code == 200
    assert "Kudos are plain text" in response.content.decode()
    assert "&lt;b&gt;Thanks&lt;/b&gt;</textarea>" in response.content.decode()

    response = client.post(KUDOS_URL, {"cohort": world.cohort.pk, "recipient": world.expert.pk,
                                       "message": "   "})
    assert response.status_code == 200
    assert "Write a short thank-you first." in response.content.decode()
    assert Kudos.objects.count() == 1


# --- the REST API -----------------------------------------------------------------------


def test_api_sends_kudos(world, api_client):
    response = api_client(world.learner).post(API_URL, {
        "cohort": world.cohort.pk, "recipient": world.peer_mentor.pk, "message": "Great review, thanks!"},
        format="json")
    assert response.status_code == 201, response.json()
    kudos = Kudos.objects.get()
    body = response.json()
    assert body["id"] == kudos.pk
    assert {k: body[k] for k in ("cohort", "sender", "recipient", "message", "sender_name")} == {
        "cohort": world.cohort.pk, "sender": world.learner.pk, "recipient": world.peer_mentor.pk,
        "message": "Great review, thanks!", "sender_name": world.learner.display_name}
    assert Event.objects.filter(verb=GamificationVerb.KUDOS_GIVEN).count() == 1


def test_api_refusals_are_400s_with_field_messages(world, other_world, api_client):
    client = api_client(world.learner)

    def post(**body):
        data = {"cohort": world.cohort.pk, "recipient": world.peer_mentor.pk, "message": "Thanks!", **body}
        return client.post(API_URL, data, format="json")

    response = post(message="")
    assert response.status_code == 400
    assert response.json() == {"message": "Please correct the errors below.",
                               "errors": {"message": ["Write a short thank-you first."]}}
    assert post(message="x" * 300).json()["errors"] == {
        "message": ["Keep kudos short: 280 characters at most (this one has 300)."]}
    assert post(recipient=world.learner.pk).json()["errors"] == {
        "recipient": ["You cannot send kudos to yourself; thank a peer instead."]}
    assert post(recipient=world.outsider.pk).json()["errors"] == {
        "recipient": [f"Choose an active member of {world.cohort.name} to thank."]}
    foreign = post(recipient=other_world.learner.pk)
    assert foreign.status_code == 400 and list(foreign.json()["errors"]) == ["recipient"]
    foreign_cohort = post(cohort=other_world.cohort.pk)
    assert foreign_cohort.status_code == 400 and list(foreign_cohort.json()["errors"]) == ["cohort"]
    assert post(cohort=world.other_cohort.pk).status_code == 400  # not a cohort the learner sees
    assert post().status_code == 201
    again = post()
    assert again.status_code == 400 and "you can thank them again tomorrow." in again.json()["errors"][
        "recipient"][0]
    assert Kudos.objects.count() == 1


def test_api_refuses_staff_who_are_not_members(world, api_client):
    response = api_client(world.hr_admin).post(API_URL, {
        "cohort": world.cohort.pk, "recipient": world.learner.pk, "message": "Thanks!"}, format="json")
    assert response.status_code == 403
    assert not Kudos.objects.exists()


def test_api_lists_only_the_kudos_a_user_may_see_with_filters(world, other_world, api_client,
                                                              django_assert_max_num_queries):
    mine = give(world, now=NOW)
    theirs = give(world, sender=world.expert, recipient=world.learner, now=NOW + dt.timedelta(minutes=1))
    kudos_give(actor=other_world.learner, recipient=other_world.expert, cohort=other_world.cohort,
               message="Thanks!")
    elsewhere = UserFactory(organization=world.org)
    MembershipFactory(cohort=world.other_cohort, user=elsewhere)

    def ids(user, **params):
        response = api_client(user).get(API_URL, params)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids(world.peer_mentor) == [theirs.pk, mine.pk]
    assert ids(world.analyst) == [theirs.pk, mine.pk]
    assert ids(world.outsider) == []
    assert ids(elsewhere) == []
    assert ids(world.facilitator, recipient=world.learner.pk) == [theirs.pk]
    assert ids(world.facilitator, sender=world.learner.pk) == [mine.pk]
    assert ids(world.facilitator, cohort=world.cohort.pk) == [theirs.pk, mine.pk]
    assert api_client(world.learner).get(API_URL, {"cohort": other_world.cohort.pk}).status_code == 400
    assert api_client(other_world.learner).get(f"{API_URL}{mine.pk}/").status_code == 404
    assert api_client(world.outsider).get(f"{API_URL}{mine.pk}/").status_code == 404
    assert api_client(world.learner).get(f"{API_URL}{mine.pk}/").json()["message"] == mine.message

    for n in range(5):
        give(world, sender=world.facilitator, recipient=peers(world, 1)[0], message=f"Thanks {n}")
    client = api_client(world.learner)
    with django_assert_max_num_queries(5):  # session, user, roles, count, page: however many kudos
        assert len(client.get(API_URL).json()["results"]) == 7


# --- two requests at once (PostgreSQL) ----------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite serialises writers; the sender's row lock matters on PostgreSQL")
def test_the_fifth_and_sixth_kudos_sent_at_once_leave_five(world):
    others = peers(world, 6)
    for recipient in others[:4]:
        give(world, recipient=recipient)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def send(recipient):
        try:
            barrier.wait(timeout=10)
            give(world, recipient=recipient)
            outcomes.append("sent")
        except ApplicationError as exc:
            outcomes.append(next(iter(exc.errors)))
        finally:
            connection.close()  # this thread's own connection, so the test database can be dropped

    threads = [threading.Thread(target=send, args=(recipient,)) for recipient in others[4:]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["message", "sent"]
    assert Kudos.objects.filter(sender=world.learner).count() == KUDOS_PER_SENDER_LIMIT
