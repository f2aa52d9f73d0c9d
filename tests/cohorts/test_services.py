import datetime as dt

import pytest

from cohorts import services
from cohorts.models import CohortMembership, CohortRole, CohortState, CohortStep
from core.errors import ApplicationError, PermissionDenied
from core.models import AuditEntry, Event

pytestmark = pytest.mark.django_db


def test_cohort_from_template_shifts_step_dates_to_its_start(world):
    start = dt.date(2027, 3, 1)
    cohort = services.cohort_create(actor=world.hr_admin, organization=world.org, name="Spring",
                                    start_date=start, template=world.template)
    steps = list(CohortStep.objects.filter(cohort=cohort).order_by("week"))
    assert [(s.week, s.opens_on, s.due_on) for s in steps] == [
        (1, start, start + dt.timedelta(days=6)),
        (2, start + dt.timedelta(days=7), start + dt.timedelta(days=13)),
    ]
    assert cohort.end_date == start + dt.timedelta(days=7 * world.template.weeks - 1)
    assert cohort.state == CohortState.DRAFT


def test_cohort_creation_is_audited_and_emits_an_event(world):
    cohort = services.cohort_create(actor=world.hr_admin, organization=world.org, name="Audit me",
                                    start_date=dt.date(2027, 1, 4))
    entry = AuditEntry.objects.get(action="cohort.create", target_id=str(cohort.pk))
    assert entry.actor == world.hr_admin and entry.organization == world.org
    assert entry.changes["name"] == [None, "Audit me"]
    assert Event.objects.filter(verb="cohort_created", cohort=cohort, actor=world.hr_admin).count() == 1


def test_a_facilitator_who_creates_a_cohort_facilitates_it(world):
    cohort = services.cohort_create(actor=world.facilitator, organization=world.org, name="Mine",
                                    start_date=dt.date(2027, 1, 4))
    assert CohortMembership.objects.get(cohort=cohort, user=world.facilitator).role == CohortRole.FACILITATOR


def test_a_learner_may_not_create_cohorts(world):
    with pytest.raises(PermissionDenied):
        services.cohort_create(actor=world.learner, organization=world.org, name="Nope",
                               start_date=dt.date(2027, 1, 4))


def test_cohort_end_before_start_is_a_field_error(world):
    with pytest.raises(ApplicationError) as raised:
        services.cohort_create(actor=world.hr_admin, organization=world.org, name="Backwards",
                               start_date=dt.date(2027, 1, 4), end_date=dt.date(2026, 1, 4))
    assert "end_date" in raised.value.errors


def test_membership_update_records_before_and_after(world):
    membership = CohortMembership.objects.get(cohort=world.cohort, user=world.learner)
    services.membership_update(actor=world.facilitator, membership=membership, squad=None,
                               role=CohortRole.PEER_MENTOR)
    entry = AuditEntry.objects.filter(action="membership.update").latest("created_at")
    assert entry.changes == {"role": ["learner", "peer_mentor"], "squad": [world.squad.pk, None]}
    verbs = set(Event.objects.filter(cohort=world.cohort).values_list("verb", flat=True))
    assert {"member_role_changed", "member_moved_squad"} <= verbs


def test_adding_someone_twice_is_refused_with_a_message(world):
    with pytest.raises(ApplicationError) as raised:
        services.membership_add(actor=world.facilitator, cohort=world.cohort, user=world.learner)
    assert "already in this cohort" in raised.value.errors["user"][0]


def test_a_facilitator_cannot_add_someone_from_another_organisation(world, other_world):
    with pytest.raises(ApplicationError) as raised:
        services.membership_add(actor=world.facilitator, cohort=world.cohort, user=other_world.learner)
    assert "user" in raised.value.errors


def test_facilitator_of_one_cohort_cannot_manage_another(world):
    with pytest.raises(PermissionDenied):
        services.squad_create(actor=world.facilitator, cohort=world.other_cohort, name="Beta")


def test_squads_arrange_moves_many_members(world):
    beta = services.squad_create(actor=world.facilitator, cohort=world.cohort, name="Beta")
    learner = CohortMembership.objects.get(cohort=world.cohort, user=world.learner)
    mentor = CohortMembership.objects.get(cohort=world.cohort, user=world.peer_mentor)
    moved = services.squads_arrange(actor=world.facilitator, cohort=world.cohort,
                                    placements={learner.pk: beta.pk, mentor.pk: world.squad.pk})
    assert moved == 1
    learner.refresh_from_db()
    assert learner.squad == beta


def test_auto_arrange_fills_the_smallest_squads_and_opens_new_ones(world):
    from tests.factories import MembershipFactory

    for _ in range(9):
        MembershipFactory(cohort=world.cohort)
    # Alpha holds 2 (learner, peer mentor); 9 wait; squads of at most 4.
    result = services.squads_auto_arrange(actor=world.facilitator, cohort=world.cohort, squad_size=4)
    sizes = sorted(
        CohortMembership.objects.filter(cohort=world.cohort, role__in=["learner", "peer_mentor"])
        .values_list("squad__name", flat=True)
    )
    assert result == {"placed": 9, "squads_created": 2}
    assert None not in sizes
    counts = {name: sizes.count(name) for name in set(sizes)}
    assert max(counts.values()) <= 4 and sum(counts.values()) == 11
    # Facilitators and experts are not placed in squads.
    assert CohortMembership.objects.get(cohort=world.cohort, user=world.facilitator).squad is None


def test_auto_arrange_refuses_a_silly_squad_size(world):
    with pytest.raises(ApplicationError) as raised:
        services.squads_auto_arrange(actor=world.facilitator, cohort=world.cohort, squad_size=1)
    assert "squad_size" in raised.value.errors
