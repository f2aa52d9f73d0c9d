"""core.bulk.insert_rows, as the batch paths of peer review use it: plain rows in, the
same records bulk_create would make."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from core.bulk import insert_rows
from core.events import emit_many
from core.models import Event
from peer_review.models import AllocationState, ReviewAllocation, ReviewerRecord

from .conftest import submit_all

pytestmark = pytest.mark.django_db


def test_rows_get_their_values_and_the_models_defaults(world):
    at = timezone.now().replace(microsecond=123456)
    made = insert_rows(Event, [
        {"organization_id": world.org.pk, "cohort_id": world.cohort.pk, "verb": "member_added",
         "subject_type": "cohorts.cohort", "subject_id": str(world.cohort.pk),
         "payload": {"names": ["Dana", "Sam"], "count": 2}, "occurred_at": at},
        {"organization_id": world.org.pk, "verb": "member_removed"},
    ])
    assert made == 2
    first = Event.objects.get(verb="member_added")
    assert first.payload == {"names": ["Dana", "Sam"], "count": 2}
    assert first.occurred_at == at and first.cohort == world.cohort
    second = Event.objects.get(verb="member_removed")
    # Callable defaults are called per row (a fresh UUID, now), constants used as they are.
    assert isinstance(second.id, uuid.UUID) and second.id != first.id
    assert second.payload == {} and second.cohort is None and second.subject_type == ""
    assert abs(second.occurred_at - timezone.now()) < dt.timedelta(minutes=1)


@pytest.mark.parametrize("copy_from", [1, 200], ids=["copy", "insert"])
def test_conflicting_rows_are_skipped_when_asked(world, make_assignment, learners, timeline, monkeypatch,
                                                 copy_from):
    monkeypatch.setattr("core.bulk.COPY_FROM", copy_from)
    assignment = make_assignment()
    people = [world.learner, world.peer_mentor]
    rows = [{"assignment_id": assignment.pk, "reviewer_id": person.pk, "weight": 0.5} for person in people]
    insert_rows(ReviewerRecord, rows[:1])
    insert_rows(ReviewerRecord, rows, ignore_conflicts=True)
    records = ReviewerRecord.objects.filter(assignment=assignment).values_list("reviewer_id", "weight")
    assert sorted(records) == sorted((person.pk, 0.5) for person in people)


def test_choices_and_batches_larger_than_one_insert(world, make_assignment, learners, timeline, monkeypatch):
    monkeypatch.setattr("core.bulk.BATCH_SIZE", 2)
    assignment = make_assignment()
    submissions = submit_all(assignment, [world.learner, world.peer_mentor, *learners(3)], timeline)
    due = timezone.now() + dt.timedelta(days=2)
    insert_rows(ReviewAllocation, (
        {"assignment_id": assignment.pk, "submission_id": submission.pk, "reviewer_id": world.learner.pk,
         "state": AllocationState.SUBMITTED, "due_at": due}
        for submission in submissions
    ))
    rows = ReviewAllocation.objects.filter(assignment=assignment)
    assert rows.count() == 5
    assert {(row.state, row.due_at, row.is_self, row.round) for row in rows} == {("submitted", due, False, 0)}


def test_emit_many_records_one_event_per_subject_and_returns_their_ids(world):
    ids = emit_many("cohort_updated", organization=world.org, cohort=world.cohort,
                    items=[(world.cohort, {"n": 1}), (world.other_cohort, {"n": 2})])
    events = {event.pk: event for event in Event.objects.filter(pk__in=ids)}
    assert set(events) == set(ids)
    assert sorted((e.subject_id, e.payload["n"]) for e in events.values()) == sorted(
        [(str(world.cohort.pk), 1), (str(world.other_cohort.pk), 2)]
    )


@pytest.mark.parametrize("copy_from", [1, 200], ids=["copy", "insert"])
def test_text_and_json_with_tabs_newlines_and_backslashes_arrive_unchanged(world, monkeypatch, copy_from):
    # On PostgreSQL many rows travel by COPY, whose text format escapes these characters.
    monkeypatch.setattr("core.bulk.COPY_FROM", copy_from)
    awkward = "tab\there\nnew line \\N back\\slash, quote ' \" and ünïcode"
    insert_rows(Event, [{"organization_id": world.org.pk, "verb": "member_added", "subject_type": awkward,
                         "payload": {"text": awkward, "nothing": None}}])
    event = Event.objects.get(verb="member_added")
    assert event.subject_type == awkward
    assert event.payload == {"text": awkward, "nothing": None}
