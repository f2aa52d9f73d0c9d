"""Demo data for `make run`: two organisations, a journey template, an active
cohort with squads. Loading twice changes nothing."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from . import services
from .models import (
    Cohort,
    CohortRole,
    CohortState,
    JourneyStep,
    JourneyTemplate,
    Organization,
    OrganizationRole,
    StepKind,
    User,
)

DEMO_PASSWORD = "peerloop-demo"  # noqa: S105 - printed by make run for the demo accounts

OPERATOR = ("operator@peerloop.local", "Platform Operator")
ACME_STAFF = [
    ("hr@acme.example", "Hana Rossi", "People Partner", "HR", OrganizationRole.HR_ADMIN),
    ("analyst@acme.example", "Ari Lund", "L&D Analyst", "HR", OrganizationRole.ANALYST),
]
FACILITATOR = ("facilitator@acme.example", "Femi Adeyemi", "Learning Facilitator", "L&D")
EXPERT = ("expert@acme.example", "Eva Schmidt", "Principal Engineer", "Engineering")
LEARNERS = [
    ("learner@acme.example", "Dana Kim", "Team Lead", "Engineering"),
    ("sam@acme.example", "Sam Patel", "Product Manager", "Product"),
    ("lee@acme.example", "Lee Wong", "Designer", "Design"),
    ("maria@acme.example", "Maria Garcia", "Support Lead", "Support"),
    ("omar@acme.example", "Omar Haddad", "Engineer", "Engineering"),
    ("yuki@acme.example", "Yuki Tanaka", "Data Analyst", "Data"),
    ("noah@acme.example", "Noah Müller", "Sales Manager", "Sales"),
    ("ines@acme.example", "Inês Costa", "Engineer", "Engineering"),
    ("kofi@acme.example", "Kofi Mensah", "Operations Lead", "Operations"),
    ("lena@acme.example", "Lena Novak", "Recruiter", "HR"),
    ("raj@acme.example", "Raj Iyer", "Engineer", "Engineering"),
    ("zoe@acme.example", "Zoe Martin", "Marketing Lead", "Marketing"),
]
SQUADS = ["Aurora", "Borealis", "Cirrus"]
JOURNEY = [
    (1, 0, StepKind.PROMPT, "What makes feedback land?",
     "Share one piece of feedback that changed how you work, and why it landed.", 20),
    (1, 2, StepKind.MICROTASK, "Ask one colleague for feedback",
     "Ask one question: \"What is one thing I could do differently in our meetings?\"", 5),
    (2, 0, StepKind.PROMPT, "Feedback that backfired",
     "Describe a time feedback went wrong. What would you change?", 20),
    (2, 3, StepKind.EVENT, "Squad huddle", "A 20-minute call with your squad.", 20),
    (3, 0, StepKind.ASSIGNMENT, "Draft a feedback conversation",
     "Write the opening of a feedback conversation you need to have; peers review it.", 30),
    (3, 4, StepKind.MICROTASK, "Try the SBI model once",
     "Give one piece of feedback using Situation-Behaviour-Impact.", 10),
    (4, 0, StepKind.CHECKIN, "Mentor check-in", "Meet your mentor for 15 minutes.", 15),
    (4, 1, StepKind.PROMPT, "Receiving hard feedback", "How do you stay curious when it stings?", 20),
    (5, 0, StepKind.PROMPT, "Feedback across cultures",
     "What changes when your team spans countries?", 20),
    (6, 0, StepKind.MICROTASK, "Write your feedback pledge",
     "One sentence you commit to for the next quarter.", 10),
]


def _user(email, name, organization, title="", department="", **extra) -> tuple[User, bool]:
    user = User.objects.filter(email=email).first()
    if user is not None:
        return user, False
    user = User.objects.create_user(
        email=email, password=DEMO_PASSWORD, full_name=name, organization=organization,
        title=title, department=department, timezone=organization.default_timezone if organization else "UTC",
        **extra,
    )
    return user, True


def _this_monday() -> dt.date:
    today = timezone.localdate()
    return today - dt.timedelta(days=today.weekday())


@transaction.atomic
def load_demo() -> dict[str, int]:
    created = {"organizations": 0, "users": 0, "cohorts": 0}
    operator = User.objects.filter(email=OPERATOR[0]).first()
    if operator is None:
        operator = User.objects.create_superuser(email=OPERATOR[0], password=DEMO_PASSWORD,
                                                 full_name=OPERATOR[1])
        created["users"] += 1

    acme, made = Organization.objects.get_or_create(
        slug="acme", defaults={"name": "Acme Corporation", "default_timezone": "Europe/Berlin"}
    )
    created["organizations"] += made
    globex, made = Organization.objects.get_or_create(
        slug="globex", defaults={"name": "Globex Industries", "default_timezone": "America/New_York"}
    )
    created["organizations"] += made

    for email, name, title, dept, role in ACME_STAFF:
        user, made = _user(email, name, acme, title, dept)
        created["users"] += made
        if made:
            services.org_role_grant(actor=operator, user=user, role=role)
    facilitator, made = _user(FACILITATOR[0], FACILITATOR[1], acme, *FACILITATOR[2:])
    created["users"] += made
    expert, made = _user(EXPERT[0], EXPERT[1], acme, *EXPERT[2:])
    created["users"] += made
    learners = []
    for email, name, title, dept in LEARNERS:
        user, made = _user(email, name, acme, title, dept)
        created["users"] += made
        learners.append(user)
    globex_hr, made = _user("hr@globex.example", "Gita Bauer", globex, "HR Director", "HR")
    created["users"] += made
    if made:
        services.org_role_grant(actor=operator, user=globex_hr, role=OrganizationRole.HR_ADMIN)

    template = JourneyTemplate.objects.filter(organization=acme, name="Leading with feedback").first()
    if template is None:
        template = JourneyTemplate.objects.create(
            organization=acme, name="Leading with feedback", weeks=6,
            description="Six weeks of short prompts, micro-tasks and peer review on giving and "
                        "receiving feedback.",
        )
        JourneyStep.objects.bulk_create(
            JourneyStep(template=template, week=w, day_offset=d, kind=k, title=t, description=desc,
                        minutes=m, order=i)
            for i, (w, d, k, t, desc, m) in enumerate(JOURNEY)
        )

    if not Cohort.objects.filter(organization=acme, slug="leading-with-feedback-autumn").exists():
        cohort = services.cohort_create(
            actor=operator, organization=acme, name="Leading with feedback, autumn",
            start_date=_this_monday() - dt.timedelta(days=7), template=template,
            state=CohortState.ACTIVE, timezone="Europe/Berlin",
            description="Managers and leads practising feedback together, one short step a day.",
        )
        cohort.slug = "leading-with-feedback-autumn"
        cohort.save(update_fields=["slug"])
        created["cohorts"] += 1
        squads = [services.squad_create(actor=operator, cohort=cohort, name=n) for n in SQUADS]
        services.membership_add(actor=operator, cohort=cohort, user=facilitator,
                                role=CohortRole.FACILITATOR)
        services.membership_add(actor=operator, cohort=cohort, user=expert, role=CohortRole.EXPERT)
        for index, learner in enumerate(learners):
            services.membership_add(
                actor=operator, cohort=cohort, user=learner,
                role=CohortRole.PEER_MENTOR if index == 4 else CohortRole.LEARNER,
                squad=squads[index % len(squads)],
            )
        spring = services.cohort_create(
            actor=operator, organization=acme, name="Leading with feedback, spring",
            start_date=_this_monday() + dt.timedelta(days=70), template=template,
            state=CohortState.DRAFT, timezone="Europe/Berlin",
        )
        created["cohorts"] += 1
        services.membership_add(actor=operator, cohort=spring, user=facilitator,
                                role=CohortRole.FACILITATOR)
    return created


def demo_logins() -> list[tuple[str, str]]:
    return [
        ("learner", "learner@acme.example"),
        ("facilitator", "facilitator@acme.example"),
        ("HR admin (Django admin)", "hr@acme.example"),
        ("analyst", "analyst@acme.example"),
        ("platform operator", OPERATOR[0]),
    ]
