"""factory-boy factories for the whole suite."""

import datetime as dt

import factory
from django.utils import timezone

from cohorts.models import (
    Cohort,
    CohortMembership,
    CohortRole,
    CohortState,
    CohortStep,
    JourneyStep,
    JourneyTemplate,
    Organization,
    OrganizationMembership,
    OrganizationRole,
    Squad,
    StepKind,
    User,
)

PASSWORD = "correct-horse-battery"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")
    default_timezone = "Europe/Berlin"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Faker("name")
    organization = factory.SubFactory(OrganizationFactory)
    timezone = "Europe/Berlin"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrgRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganizationMembership

    user = factory.SubFactory(UserFactory)
    organization = factory.SelfAttribute("user.organization")
    role = OrganizationRole.HR_ADMIN


class JourneyTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JourneyTemplate

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Journey {n}")
    weeks = 4


class JourneyStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JourneyStep

    template = factory.SubFactory(JourneyTemplateFactory)
    week = 1
    day_offset = 0
    kind = StepKind.PROMPT
    title = factory.Sequence(lambda n: f"Step {n}")
    minutes = 10


class CohortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cohort

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Cohort {n}")
    slug = factory.Sequence(lambda n: f"cohort-{n}")
    state = CohortState.ACTIVE
    timezone = "Europe/Berlin"
    start_date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=3))
    end_date = factory.LazyAttribute(lambda o: o.start_date + dt.timedelta(days=41))


class SquadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Squad

    cohort = factory.SubFactory(CohortFactory)
    name = factory.Sequence(lambda n: f"Squad {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CohortMembership

    cohort = factory.SubFactory(CohortFactory)
    user = factory.SubFactory(UserFactory, organization=factory.SelfAttribute("..cohort.organization"))
    role = CohortRole.LEARNER
    squad = None


class CohortStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CohortStep

    cohort = factory.SubFactory(CohortFactory)
    week = 1
    kind = StepKind.MICROTASK
    title = factory.Sequence(lambda n: f"Task {n}")
    minutes = 10
    opens_on = factory.LazyAttribute(lambda o: o.cohort.start_date)
    due_on = factory.LazyAttribute(lambda o: o.cohort.start_date + dt.timedelta(days=6))
