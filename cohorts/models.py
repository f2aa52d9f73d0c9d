"""Tenancy and cohort structure: who belongs where, in which role."""

import zoneinfo

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import slugify
from django.utils.timezone import now

# Choices for forms only: keeping them off the model fields keeps migrations
# independent of the installed tz database.
TIMEZONE_CHOICES = sorted((tz, tz) for tz in zoneinfo.available_timezones())


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known timezone (e.g. Europe/Berlin).")


class Organization(models.Model):
    """A tenant. Every row holding learner data belongs to exactly one."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    default_timezone = models.CharField(max_length=64, validators=[validate_timezone], default="UTC")
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = "organisation"

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Logs in with email; belongs to one organisation (platform
    operators have none)."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    title = models.CharField("job title", max_length=150, blank=True)
    department = models.CharField(max_length=150, blank=True)
    timezone = models.CharField(max_length=64, validators=[validate_timezone], default="UTC")
    locale = models.CharField(max_length=10, default="en")
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        default=False, help_text="Platform operator with access to every organisation's admin."
    )
    date_joined = models.DateTimeField(default=now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["full_name", "email"]
        indexes = [models.Index(fields=["organization", "full_name"])]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.full_name or self.email.split("@")[0]

    def clean(self) -> None:
        super().clean()
        self.email = self.email.lower()
        if self.locale not in {"en", "de", "fr", "es"}:
            raise ValidationError({"locale": "Choose one of en, de, fr, es."})


class OrganizationRole(models.TextChoices):
    HR_ADMIN = "hr_admin", "HR admin"
    ANALYST = "analyst", "Analyst"


class OrganizationMembership(models.Model):
    """An organisation-wide role: HR admins run the organisation in admin;
    analysts read analytics."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="role_memberships"
    )
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="org_roles")
    role = models.CharField(max_length=20, choices=OrganizationRole.choices)
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user", "role"], name="unique_org_role_per_user"
            )
        ]
        verbose_name = "organisation role"

    def __str__(self) -> str:
        return f"{self.user} - {self.get_role_display()} of {self.organization}"

    def clean(self) -> None:
        if self.user_id and self.organization_id and self.user.organization_id != self.organization_id:
            raise ValidationError({"user": "This person belongs to another organisation."})


class StepKind(models.TextChoices):
    PROMPT = "prompt", "Discussion prompt"
    MICROTASK = "microtask", "Micro-task"
    ASSIGNMENT = "assignment", "Assignment"
    EVENT = "event", "Live session"
    CHECKIN = "checkin", "Mentoring check-in"


class JourneyTemplate(models.Model):
    """A reusable sequence of weekly steps a new cohort copies."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="journey_templates"
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    weeks = models.PositiveSmallIntegerField(default=6)
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="unique_template_name_per_org"
            )
        ]

    def __str__(self) -> str:
        return self.name


class JourneyStep(models.Model):
    template = models.ForeignKey(JourneyTemplate, on_delete=models.CASCADE, related_name="steps")
    week = models.PositiveSmallIntegerField(help_text="1 is the cohort's first week.")
    day_offset = models.PositiveSmallIntegerField(
        default=0, help_text="Days after the start of that week (0-6)."
    )
    kind = models.CharField(max_length=20, choices=StepKind.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    minutes = models.PositiveSmallIntegerField(default=10, help_text="Estimated effort.")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["week", "day_offset", "order", "id"]

    def __str__(self) -> str:
        return f"Week {self.week}: {self.title}"

    def clean(self) -> None:
        if self.day_offset > 6:
            raise ValidationError({"day_offset": "A week has days 0 to 6."})
        if self.week < 1:
            raise ValidationError({"week": "Weeks start at 1."})


class CohortState(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    ARCHIVED = "archived", "Archived"


class Cohort(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="cohorts")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80)
    description = models.TextField(blank=True)
    state = models.CharField(max_length=10, choices=CohortState.choices, default=CohortState.DRAFT)
    timezone = models.CharField(max_length=64, validators=[validate_timezone], default="UTC")
    start_date = models.DateField()
    end_date = models.DateField()
    journey_template = models.ForeignKey(
        JourneyTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="cohorts"
    )
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ["-start_date", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="unique_cohort_slug"),
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="cohort_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["organization", "state"])]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The cohort must end on or after its start date."})
        if not self.slug and self.name:
            self.slug = slugify(self.name)[:80]

    def week_number(self, on_date) -> int:
        """1-based week of the cohort containing `on_date` (0 before it starts)."""
        if on_date < self.start_date:
            return 0
        return (on_date - self.start_date).days // 7 + 1


class Squad(models.Model):
    """A small group (3-6) inside a cohort for role-based discussion."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="squads")
    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "name"], name="unique_squad_name_in_cohort")
        ]

    def __str__(self) -> str:
        return self.name


class CohortRole(models.TextChoices):
    LEARNER = "learner", "Learner"
    PEER_MENTOR = "peer_mentor", "Peer mentor"
    FACILITATOR = "facilitator", "Facilitator"
    EXPERT = "expert", "Expert"


class CohortMembership(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="cohort_memberships")
    role = models.CharField(max_length=20, choices=CohortRole.choices, default=CohortRole.LEARNER)
    squad = models.ForeignKey(
        Squad, null=True, blank=True, on_delete=models.SET_NULL, related_name="memberships"
    )
    is_moderator = models.BooleanField(
        default=False, help_text="This week's learner moderator: may resolve low-risk flags."
    )
    moderator_since = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When this member last became the cohort's learner moderator (kept after they "
        "step down: the weekly rotation picks whoever moderated least recently).",
    )
    joined_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["cohort", "user__full_name"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "user"], name="one_membership_per_cohort")
        ]
        indexes = [models.Index(fields=["user", "role"])]

    def __str__(self) -> str:
        return f"{self.user} - {self.get_role_display()} in {self.cohort}"

    def clean(self) -> None:
        if self.squad_id and self.cohort_id and self.squad.cohort_id != self.cohort_id:
            raise ValidationError({"squad": "That squad belongs to another cohort."})
        if (
            self.user_id
            and self.cohort_id
            and self.user.organization_id != self.cohort.organization_id
        ):
            raise ValidationError({"user": "This person belongs to another organisation."})


class CohortStep(models.Model):
    """A journey step copied into a cohort with real dates."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="steps")
    source_step = models.ForeignKey(
        JourneyStep, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    week = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20, choices=StepKind.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    minutes = models.PositiveSmallIntegerField(default=10)
    opens_on = models.DateField()
    due_on = models.DateField()

    class Meta:
        ordering = ["opens_on", "id"]
        indexes = [models.Index(fields=["cohort", "opens_on"])]

    def __str__(self) -> str:
        return self.title
