"""Endorsements, Top Takes, micro-tasks, flags and moderation, as services."""

import pytest

from cohorts.models import CohortMembership, StepKind
from core.errors import ApplicationError, PermissionDenied
from core.models import AuditEntry, Event
from discussions import services
from discussions.models import FeedItem, FeedKind, FlagOutcome, FlagReason
from tests.factories import CohortStepFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def post(world, squads, publish):
    _, threads = publish()
    return services.post_create(actor=world.learner, thread=threads["Alpha"],
                                body="Feedback lands when it is specific and kind.")


def test_endorsing_toggles_and_shows_in_the_feed(world, post):
    endorsement = services.endorsement_toggle(actor=world.peer_mentor, post=post, text="Crisp and true")
    assert endorsement.text == "Crisp and true"
    item = FeedItem.objects.get(kind=FeedKind.ENDORSEMENT)
    assert (item.actor, item.post, item.text) == (world.peer_mentor, post, "Crisp and true")
    event = Event.objects.get(verb="post_endorsed")
    assert event.payload["author_id"] == world.learner.pk
    assert event.payload["endorser_id"] == world.peer_mentor.pk
    assert services.endorsement_toggle(actor=world.peer_mentor, post=post) is None
    assert not FeedItem.objects.filter(kind=FeedKind.ENDORSEMENT).exists()


def test_nobody_endorses_their_own_post(world, post):
    with pytest.raises(ApplicationError):
        services.endorsement_toggle(actor=world.learner, post=post)


def test_top_takes_are_nominated_by_learners_and_picked_by_facilitators(world, post):
    services.top_take_nominate(actor=world.peer_mentor, post=post)
    services.top_take_nominate(actor=world.peer_mentor, post=post)  # once is enough
    with pytest.raises(PermissionDenied):
        services.top_take_select(actor=world.peer_mentor, post=post, reason="Mine!")
    top = services.top_take_select(actor=world.facilitator, post=post, reason="Names the behaviour")
    assert top.reason == "Names the behaviour"
    event = Event.objects.get(verb="top_take_selected")
    assert event.payload["nominations"] == 1
    assert AuditEntry.objects.filter(action="top_take.select").exists()
    assert Event.objects.filter(verb="top_take_nominated").count() == 1


def test_a_microtask_done_shows_its_comment_in_the_feed(world):
    step = CohortStepFactory(cohort=world.cohort, kind=StepKind.MICROTASK, title="Ask one colleague")
    services.microtask_complete(actor=world.learner, step=step, comment="Asked Sam; learned a lot")
    item = FeedItem.objects.get(kind=FeedKind.MICROTASK)
    assert item.text == "Asked Sam; learned a lot"
    with pytest.raises(ApplicationError):
        services.microtask_complete(actor=world.learner, step=step)
    assert Event.objects.get(verb="microtask_completed").payload["minutes"] == step.minutes


def test_an_upheld_flag_hides_the_post_everywhere(world, post):
    flag = services.post_flag(actor=world.peer_mentor, post=post, reason=FlagReason.DISRESPECTFUL)
    services.flag_resolve(actor=world.facilitator, flag=flag, outcome=FlagOutcome.UPHELD, note="Out of line")
    post.refresh_from_db()
    assert post.hidden_at is not None and post.hidden_by == world.facilitator
    assert not FeedItem.objects.filter(post=post, visible=True).exists()
    verbs = set(Event.objects.values_list("verb", flat=True))
    assert {"post_flagged", "flag_resolved", "post_hidden"} <= verbs
    assert set(AuditEntry.objects.values_list("action", flat=True)) >= {"flag.resolve", "post.hide"}
    services.post_restore(actor=world.facilitator, post=post)
    assert FeedItem.objects.filter(post=post, visible=True).exists()


def test_a_learner_moderator_resolves_low_risk_flags_only(world, post):
    mentor = CohortMembership.objects.get(cohort=world.cohort, user=world.peer_mentor)
    services.moderator_set(actor=world.facilitator, membership=mentor)
    from core import policy

    policy.forget_roles(world.peer_mentor)
    spam = services.post_flag(actor=world.expert, post=post, reason=FlagReason.SPAM)
    services.flag_resolve(actor=world.peer_mentor, flag=spam, outcome=FlagOutcome.DISMISSED)
    harsh = services.post_flag(actor=world.facilitator, post=post, reason=FlagReason.DISRESPECTFUL)
    with pytest.raises(PermissionDenied):
        services.flag_resolve(actor=world.peer_mentor, flag=harsh, outcome=FlagOutcome.UPHELD)


def test_locking_a_thread_is_audited_and_stops_posts(world, post):
    services.thread_lock(actor=world.facilitator, thread=post.thread)
    assert AuditEntry.objects.filter(action="thread.lock").exists()
    with pytest.raises(ApplicationError):
        services.post_create(actor=world.learner, thread=post.thread, body="Hello?")
    services.thread_lock(actor=world.facilitator, thread=post.thread, locked=False)
    services.post_create(actor=world.learner, thread=post.thread, body="Hello again")
