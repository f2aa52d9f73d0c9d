"""The weekly learner-moderator rotation: who is next, when each cohort's week
turns, and that the rotation runs once per cohort and week."""

from __future__ import annotations

import datetime as dt
import importlib
import zoneinfo

import pytest
from celery import current_app
from django.apps import apps as django_apps
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cohorts.models import CohortMembership, CohortRole, CohortState
from core.models import AuditEntry, Event, Notification
from discussions import services, tasks
from discussions.events import DiscussionVerb
from discussions.services import moderation
from tests.factories import CohortFactory, MembershipFactory, UserFactory

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
# 2024-01-01 was a Monday.
MONDAY = dt.datetime(2024, 1, 1, 0, 5, tzinfo=BERLIN)


def monday(week: int) -> dt.datetime:
    """Five past midnight, Berlin time, on the Monday of `week` (0 = 2024-01-01)."""
    return MONDAY + dt.timedelta(weeks=week)


def moderators(cohort) -> list[CohortMembership]:
    return list(CohortMembership.objects.filter(cohort=cohort, is_moderator=True).select_related("user"))


def moderator_of(cohort):
    current = moderators(cohort)
    assert len(current) == 1, f"{cohort} has {len(current)} moderators"
    return current[0].user


def member(cohort, name: str, role: str = CohortRole.LEARNER) -> CohortMembership:
    user = UserFactory(organization=cohort.organization, full_name=name)
    return MembershipFactory(cohort=cohort, user=user, role=role)


@pytest.fixture
def trio(world):
    """world.cohort (Europe/Berlin) with three eligible members: Aria (a learner), the
    learner and the peer mentor; the facilitator and the expert are members too."""
    aria = member(world.cohort, "Aria")
    return [aria.user, world.learner, world.peer_mentor]


# --- who is next -----------------------------------------------------------------------


def test_the_rotation_visits_every_eligible_member_before_repeating(world, trio):
    # Given a cohort with three eligible members and no moderator yet
    # When the rotation runs on nine consecutive Mondays
    weekly = []
    for week in range(9):
        services.moderators_rotate(now=monday(week))
        weekly.append(moderator_of(world.cohort))
    # Then never-moderated members go first, by name, and then the same order repeats
    assert weekly[:3] == [trio[0], world.learner, world.peer_mentor]
    assert weekly == weekly[:3] * 3
    # and in any three consecutive weeks each of the three moderates once
    for start in range(len(weekly) - 2):
        assert set(weekly[start:start + 3]) == set(trio)


@settings(max_examples=40, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(histories=st.lists(st.one_of(st.none(), st.integers(min_value=1, max_value=400)),
                          min_size=1, max_size=5),
       current=st.one_of(st.none(), st.integers(min_value=0, max_value=4)))
def test_in_any_n_weeks_each_of_n_eligible_members_moderates_once(world, histories, current):
    # Given n eligible members with any earlier moderating history (days ago, or never),
    # one of them possibly still marked as moderator
    with transaction.atomic():
        try:
            members = []
            CohortMembership.objects.filter(cohort=world.cohort, role__in=services.MODERATOR_ROLES).delete()
            for index, days_ago in enumerate(histories):
                membership = member(world.cohort, f"Member {index % 2}")  # some share a name
                membership.moderator_since = (None if days_ago is None
                                              else MONDAY - dt.timedelta(days=days_ago))
                membership.is_moderator = current == index
                membership.save()
                members.append(membership.user)
            # When the rotation runs on n consecutive Mondays
            chosen = []
            for week in range(len(members)):
                services.moderators_rotate(now=monday(week))
                chosen.append(moderator_of(world.cohort))
            # Then each member moderated exactly once
            assert sorted(u.pk for u in chosen) == sorted(u.pk for u in members)
            # and, with anyone else eligible, the moderator never stays on into a new week
            if len(members) > 1:
                before = [members[current] if current is not None and current < len(members) else None]
                assert all(a != b for a, b in zip(before + chosen, chosen, strict=False))
        finally:
            # Each example starts from the same world.
            transaction.set_rollback(True)


def test_facilitators_experts_and_deactivated_people_are_never_chosen(world):
    # Given the cohort's learner is deactivated: the peer mentor is the only one eligible
    world.learner.is_active = False
    world.learner.save()
    # When the rotation runs for four weeks
    for week in range(4):
        services.moderators_rotate(now=monday(week))
        # Then the peer mentor serves every week, renewed each Monday
        assert moderator_of(world.cohort) == world.peer_mentor
        assert CohortMembership.objects.get(user=world.peer_mentor).moderator_since == monday(week)
    assert not CohortMembership.objects.filter(
        cohort=world.cohort, role__in=[CohortRole.FACILITATOR, CohortRole.EXPERT],
        moderator_since__isnull=False).exists()


def test_a_cohort_without_eligible_members_is_skipped(world):
    # Given a cohort of only a facilitator and an expert
    cohort = CohortFactory(organization=world.org)
    member(cohort, "Fran", CohortRole.FACILITATOR)
    member(cohort, "Ed", CohortRole.EXPERT)
    # When the rotation runs
    appointed = services.moderators_rotate(now=monday(0))
    # Then nobody moderates it, and nothing is recorded for it
    assert moderators(cohort) == []
    assert {m.cohort_id for m in appointed} == {world.cohort.pk}
    assert not Event.objects.filter(cohort=cohort).exists()


# --- when a cohort's week turns ---------------------------------------------------------


def test_a_mid_week_facilitator_pick_lasts_until_next_monday(world, trio, monkeypatch):
    # Given the rotation made Aria moderator on Monday
    services.moderators_rotate(now=monday(0))
    assert moderator_of(world.cohort) == trio[0]
    # When the facilitator picks the peer mentor on Wednesday
    wednesday = monday(0) + dt.timedelta(days=2, hours=10)
    monkeypatch.setattr(timezone, "now", lambda: wednesday)
    services.moderator_set(actor=world.facilitator,
                           membership=CohortMembership.objects.get(user=world.peer_mentor))
    mentor = CohortMembership.objects.get(user=world.peer_mentor)
    assert mentor.is_moderator and mentor.moderator_since == wednesday
    # Then the pick holds for the rest of the week, up to Sunday night
    assert services.moderators_rotate(now=wednesday + dt.timedelta(hours=1)) == []
    sunday_night = dt.datetime(2024, 1, 7, 23, 59, tzinfo=BERLIN)
    assert services.moderators_rotate(now=sunday_night) == []
    assert moderator_of(world.cohort) == world.peer_mentor
    # and on Monday the role passes to whoever never moderated, not back to Aria
    services.moderators_rotate(now=dt.datetime(2024, 1, 8, tzinfo=BERLIN))
    assert moderator_of(world.cohort) == world.learner
    # and the former moderators keep their history
    assert CohortMembership.objects.get(user=trio[0]).moderator_since == monday(0)
    assert CohortMembership.objects.get(user=world.peer_mentor).moderator_since == wednesday


def test_a_second_run_in_the_same_week_changes_nothing(world, trio):
    # Given this week's rotation ran
    first = services.moderators_rotate(now=monday(0))
    assert [m.user for m in first] == [trio[0]]
    recorded = (AuditEntry.objects.count(), Event.objects.count(), Notification.objects.count())
    # When beat ticks again later in the week (or twice in the same hour)
    for later in (dt.timedelta(0), dt.timedelta(hours=1), dt.timedelta(days=6, hours=23, minutes=50)):
        # Then nobody changes and nothing more is recorded
        assert services.moderators_rotate(now=monday(0) + later) == []
    assert moderator_of(world.cohort) == trio[0]
    assert (AuditEntry.objects.count(), Event.objects.count(), Notification.objects.count()) == recorded


def test_each_cohort_turns_its_week_at_its_own_monday_midnight(world):
    # Given a cohort in Auckland and one in UTC, both with a moderator since Wednesday
    auckland = CohortFactory(organization=world.org, timezone="Pacific/Auckland")
    utc = CohortFactory(organization=world.org, timezone="UTC")
    for cohort in (auckland, utc):
        member(cohort, "Ana")
        member(cohort, "Ben")
    world.cohort.state = CohortState.DRAFT
    world.cohort.save()
    services.moderators_rotate(now=dt.datetime(2024, 1, 3, 12, tzinfo=dt.UTC))
    first = {c.pk: moderator_of(c) for c in (auckland, utc)}
    # When beat ticks late on Sunday UTC: 23:00 Sunday in Auckland, nothing happens
    assert services.moderators_rotate(now=dt.datetime(2024, 1, 7, 10, tzinfo=dt.UTC)) == []
    # When it is 01:00 on Monday in Auckland but still Sunday in UTC
    appointed = services.moderators_rotate(now=dt.datetime(2024, 1, 7, 12, tzinfo=dt.UTC))
    # Then only the Auckland cohort rotates
    assert [m.cohort_id for m in appointed] == [auckland.pk]
    assert moderator_of(auckland) != first[auckland.pk]
    assert moderator_of(utc) == first[utc.pk]
    # and the UTC cohort follows at its own Monday midnight
    appointed = services.moderators_rotate(now=dt.datetime(2024, 1, 8, 0, 0, tzinfo=dt.UTC))
    assert [m.cohort_id for m in appointed] == [utc.pk]
    assert moderator_of(utc) != first[utc.pk]


def test_draft_and_archived_cohorts_are_left_alone(world):
    # Given an archived cohort whose moderator served long ago, and a draft cohort
    archived = CohortFactory(organization=world.org, state=CohortState.ARCHIVED)
    stale = member(archived, "Old")
    member(archived, "Newer")
    CohortMembership.objects.filter(pk=stale.pk).update(is_moderator=True, moderator_since=monday(-10))
    draft = CohortFactory(organization=world.org, state=CohortState.DRAFT)
    member(draft, "Dee")
    # When the rotation runs
    appointed = services.moderators_rotate(now=monday(0))
    # Then neither changes
    assert all(m.cohort_id == world.cohort.pk for m in appointed)
    assert [m.pk for m in moderators(archived)] == [stale.pk]
    assert CohortMembership.objects.get(pk=stale.pk).moderator_since == monday(-10)
    assert moderators(draft) == []


def test_a_facilitator_pick_before_the_field_existed_rotates_on_the_next_run(world, trio):
    # Given Aria moderates since an unknown time (picked before moderator_since was recorded),
    # so, like the others, she has no recorded turn and comes first by name
    CohortMembership.objects.filter(user=trio[0]).update(is_moderator=True, moderator_since=None)
    # When the rotation runs
    services.moderators_rotate(now=monday(0))
    # Then the next never-moderated member takes over, not Aria again
    assert moderator_of(world.cohort) == world.learner


def test_one_failing_cohort_does_not_stop_the_others(world, trio, monkeypatch):
    # Given a second cohort whose rotation fails
    broken = CohortFactory(organization=world.org)
    member(broken, "Bea")
    real = moderation._cohort_moderator_rotate

    def rotate(*, cohort_id, now):
        if cohort_id == broken.pk:
            raise RuntimeError("boom")
        return real(cohort_id=cohort_id, now=now)

    monkeypatch.setattr(moderation, "_cohort_moderator_rotate", rotate)
    # When the rotation runs, it reports the failure (so the task retries)
    with pytest.raises(RuntimeError, match=str(broken.pk)):
        services.moderators_rotate(now=monday(0))
    # Then the other cohort rotated all the same
    assert moderator_of(world.cohort) == trio[0]
    assert moderators(broken) == []


# --- what is recorded and told ----------------------------------------------------------


def test_the_new_moderator_is_notified_and_the_rotation_audited_with_an_event(world, trio, client):
    # Given last week's moderator was Aria
    services.moderators_rotate(now=monday(0))
    # When the week turns
    [appointed] = services.moderators_rotate(now=monday(1))
    # Then the learner moderates, and is told so with a link to the moderation queue
    assert appointed.user == world.learner
    note = Notification.objects.get(user=world.learner)
    assert note.kind == "learner_moderator"
    assert note.title == f"You are this week's learner moderator of {world.cohort.name}"
    assert note.url == reverse("discussions:moderation")
    assert note.organization == world.org
    # and an event with the previous moderator, by the system, is the notification's source
    event = note.source_event
    assert event.verb == DiscussionVerb.MODERATOR_ROTATED
    assert event.actor is None and event.cohort == world.cohort
    assert event.payload == {"cohort_id": world.cohort.pk, "user_id": world.learner.pk,
                             "previous_user_id": trio[0].pk}
    # and an audit entry by the system
    entry = AuditEntry.objects.filter(action="moderator.rotate").order_by("-pk").first()
    assert entry.actor is None and entry.organization == world.org
    assert entry.target_id == str(appointed.pk)
    assert entry.changes == {"moderator": [trio[0].pk, world.learner.pk]}
    # and the first rotation recorded no previous moderator
    first = Event.objects.filter(verb=DiscussionVerb.MODERATOR_ROTATED).exclude(pk=event.pk).get()
    assert first.payload["previous_user_id"] is None
    # and the link works for the new moderator
    client.force_login(world.learner)
    assert client.get(note.url).status_code == 200


def test_the_moderation_page_explains_the_rotation_and_shows_since_when(world, client):
    # Given the learner moderates since Monday 1 January
    services.moderators_rotate(now=monday(0))
    current = moderator_of(world.cohort)
    # When the facilitator opens the moderation page
    client.force_login(world.facilitator)
    html = client.get(reverse("discussions:moderation")).content.decode()
    # Then it says the role rotates every Monday and who moderates since when
    assert "rotates every Monday" in html
    assert f"now {current.display_name}, since Mon 1 Jan" in html


# --- the task and its schedule ----------------------------------------------------------


def test_the_task_runs_the_rotation(world):
    # Given a cohort without a moderator
    assert moderators(world.cohort) == []
    # When the beat task runs
    assert "discussions.rotate_learner_moderators" in current_app.tasks
    ids = tasks.rotate_learner_moderators_task()
    # Then the cohort has one
    assert ids == [m.pk for m in moderators(world.cohort)]
    assert len(ids) == 1


def test_the_schedule_migration_creates_an_hourly_task_and_reverses(db):
    migration = importlib.import_module("discussions.migrations.0005_schedule_learner_moderator_rotation")
    PeriodicTask.objects.filter(name=migration.TASK_NAME).delete()
    migration.schedule(django_apps, None)
    migration.schedule(django_apps, None)  # running twice creates nothing more
    task = PeriodicTask.objects.get(name="Rotate learner moderators")
    assert task.task == "discussions.rotate_learner_moderators" and task.enabled
    assert (task.interval.every, task.interval.period) == (1, IntervalSchedule.HOURS)
    # Another hourly task (the Top Take digests) shares the schedule: it stays.
    assert PeriodicTask.objects.filter(interval_id=task.interval_id).exclude(pk=task.pk).exists()
    migration.unschedule(django_apps, None)
    assert not PeriodicTask.objects.filter(name="Rotate learner moderators").exists()
    assert IntervalSchedule.objects.filter(pk=task.interval_id).exists()
    # Alone on it, the rotation takes the hourly schedule with it.
    migration.schedule(django_apps, None)
    task = PeriodicTask.objects.get(name="Rotate learner moderators")
    PeriodicTask.objects.filter(interval_id=task.interval_id).exclude(pk=task.pk).delete()
    migration.unschedule(django_apps, None)
    assert not IntervalSchedule.objects.filter(pk=task.interval_id).exists()
