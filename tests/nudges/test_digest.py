"""The weekly Top Take digest as a cohort notices it: the contributions peers valued
most, one per person and from more than one squad, not the same stars every week,
quoted endorsements, sent once to each learner who wants it and has something new
to read, kept in an archive, with the facilitator's intro."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from cohorts.models import CohortRole
from core.models import Event
from discussions import services as discussions
from nudges import services
from nudges.models import Digest, DigestState, Message, TopicPreference
from nudges.services import digests as digest_services
from tests.factories import MembershipFactory, SquadFactory, UserFactory

pytestmark = pytest.mark.django_db

# Cohorts in the factories run on Berlin time; this week's Monday is 23 November 2026.
TUESDAY = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)
NEXT_MONDAY_SEND = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC)  # 09:00 in Berlin


@pytest.fixture
def week(world, django_capture_on_commit_callbacks):
    """Two squads talked this week: Alpha's posts were endorsed most, Beta's less."""
    beta = SquadFactory(cohort=world.cohort, name="Beta")
    people = {}
    for name in ("bea", "bo"):
        people[name] = UserFactory(organization=world.org, email=f"{name}@acme.example",
                                   full_name=name.title())
        MembershipFactory(cohort=world.cohort, user=people[name], role=CohortRole.LEARNER, squad=beta)
    world.cohort.start_date = dt.date(2026, 11, 2)
    world.cohort.save(update_fields=["start_date"])
    with time_machine.travel(TUESDAY, tick=False):
        due = TUESDAY + dt.timedelta(days=3)
        prompt = discussions.prompt_create(actor=world.facilitator, cohort=world.cohort, title="Feedback",
                                           body="What lands?", due_at=due)
        discussions.prompt_publish(actor=world.facilitator, prompt=prompt)
        alpha_thread = prompt.threads.get(squad=world.squad)
        beta_thread = prompt.threads.get(squad=beta)
        posts = {
            "learner": discussions.post_create(actor=world.learner, thread=alpha_thread,
                                               body="Ask for one concrete example before you judge."),
            "learner_again": discussions.post_create(actor=world.learner, thread=alpha_thread,
                                                     body="And write the example down."),
            "mentor": discussions.post_create(actor=world.peer_mentor, thread=alpha_thread,
                                              body="Name the trade-off you made."),
            "bea": discussions.post_create(actor=people["bea"], thread=beta_thread, body="Show the numbers."),
            "bo": discussions.post_create(actor=people["bo"], thread=beta_thread, body="Unnoticed post."),
        }
        discussions.endorsement_toggle(actor=world.facilitator, post=posts["learner"],
                                       text="This changed how I run reviews.")
        discussions.endorsement_toggle(actor=world.peer_mentor, post=posts["learner"], text="Crisp.")
        discussions.endorsement_toggle(actor=world.expert, post=posts["learner_again"])
        discussions.endorsement_toggle(actor=world.learner, post=posts["mentor"], text="Yes!")
        discussions.endorsement_toggle(actor=people["bo"], post=posts["bea"], text="Numbers win.")
        discussions.top_take_select(actor=world.facilitator, post=posts["mentor"], reason="Names the cost.")
    world.people, world.posts, world.beta = people, posts, beta
    return world


def send(world, django_capture_on_commit_callbacks, when=NEXT_MONDAY_SEND):
    """The hourly digest tick; returns the ids of the cohort's digests it sent."""
    with time_machine.travel(when, tick=False), django_capture_on_commit_callbacks(execute=True):
        sent = services.digests_due()
    return list(Digest.objects.filter(pk__in=sent, cohort=world.cohort).values_list("pk", flat=True))


def test_the_digest_ranks_picks_and_weighted_endorsements_one_item_per_person(
        week, django_capture_on_commit_callbacks):
    (digest_id,) = send(week, django_capture_on_commit_callbacks)
    digest = Digest.objects.get(pk=digest_id)
    assert digest.state == DigestState.SENT and digest.week_start == dt.date(2026, 11, 23)
    authors = [item["author_name"] for item in digest.items]
    # The Top Take first; one item per author (the learner's second post is left out);
    # the unnoticed post is not in it.
    assert authors == ["Mentor", "Learner", "Bea"]
    assert digest.items[0]["top_take"] == "Names the cost."
    assert digest.items[1]["quotes"] == [{"name": "Facilitator", "text": "This changed how I run reviews."},
                                         {"name": "Mentor", "text": "Crisp."}]
    assert digest.items[1]["excerpt"] == "Ask for one concrete example before you judge."


def test_squads_take_turns_when_there_is_room_for_few(week, django_capture_on_commit_callbacks):
    with mock.patch("nudges.digest.ITEMS", 2):
        (digest_id,) = send(week, django_capture_on_commit_callbacks)
    items = Digest.objects.get(pk=digest_id).items
    assert [(i["author_name"], i["squad"]) for i in items] == [("Mentor", "Alpha"), ("Bea", "Beta")]


def test_last_weeks_stars_need_a_clearly_better_week(week, django_capture_on_commit_callbacks):
    send(week, django_capture_on_commit_callbacks)
    # The week after: the mentor, featured last week, is endorsed more than Bo, who was
    # not; the spotlight moves to Bo.
    with time_machine.travel(TUESDAY + dt.timedelta(days=7), tick=False):
        thread = week.posts["bo"].thread
        bo = discussions.post_create(actor=week.people["bo"], thread=thread, body="Numbers, again.")
        for endorser in (week.peer_mentor, week.people["bea"], week.learner):  # 2 + 1 + 1
            discussions.endorsement_toggle(actor=endorser, post=bo)
        mentor = discussions.post_create(actor=week.peer_mentor, thread=week.posts["mentor"].thread,
                                         body="Trade-offs again.")
        for endorser in (week.learner, week.people["bea"], week.expert):  # 1 + 1 + 3
            discussions.endorsement_toggle(actor=endorser, post=mentor)
    (digest_id,) = send(week, django_capture_on_commit_callbacks, NEXT_MONDAY_SEND + dt.timedelta(days=7))
    assert [i["author_name"] for i in Digest.objects.get(pk=digest_id).items] == ["Bo", "Mentor"]


def test_each_learner_gets_it_once_unless_nothing_is_new_or_they_opted_out(
        week, django_capture_on_commit_callbacks):
    TopicPreference.objects.create(user=week.people["bo"], topic="digest", channel="email", enabled=False)
    send(week, django_capture_on_commit_callbacks)
    send(week, django_capture_on_commit_callbacks, NEXT_MONDAY_SEND + dt.timedelta(hours=1))
    messages = Message.objects.filter(topic="digest")
    states = {(m.user.full_name, m.channel): (m.state, m.reason) for m in messages.select_related("user")}
    assert states[("Learner", "email")] == ("sent", "")
    assert states[("Bo", "email")] == ("suppressed", "Turned off in the learner's preferences")
    assert states[("Bo", "in_app")] == ("sent", "")
    # Facilitators, experts and HR are not readers; the digest goes to learners and peer mentors.
    assert {name for name, _ in states} == {"Learner", "Mentor", "Bea", "Bo"}
    assert len(mail.outbox) == 3
    assert Event.objects.filter(verb="digest_sent").count() == 7


def test_a_learner_who_already_endorsed_every_item_is_skipped(world, django_capture_on_commit_callbacks):
    world.cohort.start_date = dt.date(2026, 11, 2)
    world.cohort.save(update_fields=["start_date"])
    with time_machine.travel(TUESDAY, tick=False):
        from tests.security.support import open_prompt_and_draft

        thread = open_prompt_and_draft(world)
        post = discussions.post_create(actor=world.peer_mentor, thread=thread, body="One good idea.")
        discussions.endorsement_toggle(actor=world.learner, post=post, text="Good.")
    send(world, django_capture_on_commit_callbacks)
    learner = Message.objects.filter(topic="digest", user=world.learner)
    assert set(learner.values_list("state", "reason")) == {("suppressed", "Nothing new for them this week")}


def test_readers_are_handed_to_chunk_tasks(week, django_capture_on_commit_callbacks):
    with mock.patch.object(digest_services, "CHUNK", 1), \
            mock.patch("nudges.tasks.build_digest_chunk_task.delay") as delay:
        send(week, django_capture_on_commit_callbacks)
    assert delay.call_count == 4
    for call in delay.call_args_list * 2:  # each chunk delivered twice
        services.digest_chunk_build(*call.args)
    assert Message.objects.filter(topic="digest").count() == 8


def test_an_empty_week_sends_nothing(world, django_capture_on_commit_callbacks):
    world.cohort.start_date = dt.date(2026, 11, 2)
    world.cohort.save(update_fields=["start_date"])
    (digest_id,) = send(world, django_capture_on_commit_callbacks)
    assert Digest.objects.get(pk=digest_id).state == DigestState.EMPTY
    assert not Message.objects.filter(topic="digest").exists()


def test_the_facilitator_previews_and_writes_the_intro_then_the_archive_shows_it(
        week, portal_client, django_capture_on_commit_callbacks):
    url = reverse("nudges:cohort_digests", args=[week.cohort.pk])
    facilitator = portal_client(week.facilitator)
    with time_machine.travel(TUESDAY + dt.timedelta(hours=2), tick=False):
        page = facilitator.get(url)
        assert page.status_code == 200
        assert [i["author_name"] for i in page.context["items"]] == ["Mentor", "Learner", "Bea"]
        too_long = facilitator.post(url, {"intro": "x" * 1001})
        assert too_long.status_code == 400
        assert "Keep the intro to 1000 characters." in too_long.content.decode()
        assert "x" * 1001 in too_long.content.decode()
        assert facilitator.post(url, {"intro": "A strong week for concrete examples."}).status_code == 302
        assert portal_client(week.learner).post(url, {"intro": "Mine"}).status_code == 403
    send(week, django_capture_on_commit_callbacks)
    digest = Digest.objects.get(cohort=week.cohort, state="sent")
    assert "A strong week for concrete examples." in mail.outbox[0].body
    learner = portal_client(week.learner)
    # A learner finds the archive from the cohort page, without the email.
    cohort_page = learner.get(reverse("portal:cohort_detail", args=[week.cohort.pk])).content.decode()
    assert f'href="{url}"' in cohort_page
    archive = learner.get(url).content.decode()
    assert reverse("nudges:digest", args=[digest.pk]) in archive
    shown = learner.get(reverse("nudges:digest", args=[digest.pk])).content.decode()
    assert "A strong week for concrete examples." in shown and "This changed how I run reviews." in shown


def test_digest_pages_are_for_the_cohort_only(week, other_world, portal_client,
                                              django_capture_on_commit_callbacks):
    (digest_id,) = send(week, django_capture_on_commit_callbacks)
    outsider = portal_client(other_world.learner)
    assert outsider.get(reverse("nudges:digest", args=[digest_id])).status_code == 404
    assert outsider.get(reverse("nudges:cohort_digests", args=[week.cohort.pk])).status_code == 404
    assert portal_client(week.outsider).get(reverse("nudges:digest", args=[digest_id])).status_code == 404


def test_the_digest_pages_run_a_constant_number_of_queries(week, portal_client, django_assert_max_num_queries,
                                                           django_capture_on_commit_callbacks):
    (digest_id,) = send(week, django_capture_on_commit_callbacks)
    learner = portal_client(week.learner)
    with django_assert_max_num_queries(12):
        assert learner.get(reverse("nudges:digest", args=[digest_id])).status_code == 200
    with django_assert_max_num_queries(12):
        assert learner.get(reverse("nudges:cohort_digests", args=[week.cohort.pk])).status_code == 200


def test_the_running_week_can_be_previewed_before_it_ends(week):
    digest, items = services.digest_preview(week.cohort, now=TUESDAY + dt.timedelta(hours=1))
    assert digest.state == DigestState.DRAFT
    assert [i["author_name"] for i in items] == ["Mentor", "Learner", "Bea"]
