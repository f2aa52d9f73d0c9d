"""Badges: what a learner earns by reaching a criterion, awarded once, revocable,
and downloadable as an Open Badges 3.0 credential signed with the organisation's key.

Criteria are evaluated on consumed events (``gamification.services.badges``); the
weekly progress rows make counts over a period and streaks of weeks cheap to read.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.timezone import now

from .models import Recipient
from .verbs import EARNING_VERBS


class BadgeKind(models.TextChoices):
    SINGLE_EVENT = "single_event", "A single event (e.g. a first Top Take)"
    COUNT = "count", "A number of events, in all or within a period of weeks"
    STREAK = "streak", "Weeks in a row, each with at least N events"
    POINTS = "points", "A points total in a cohort"
    CALIBRATED = "calibrated", "Calibrated reviewer (calibration accuracy)"


class BadgeIcon(models.TextChoices):
    STAR = "star", "Star"
    SHIELD = "shield", "Shield"
    FLAME = "flame", "Flame"
    TARGET = "target", "Target"
    PEOPLE = "people", "People"
    HEART = "heart", "Heart"


class Badge(models.Model):
    """A badge and its criterion. Without an organisation it is a house default; an
    organisation's badge with the same code replaces it there."""

    organization = models.ForeignKey(
        "cohorts.Organization", null=True, blank=True, on_delete=models.CASCADE, related_name="badges",
        help_text="Empty: a house default for every organisation without a badge of the same code.",
    )
    code = models.SlugField(max_length=50)
    name = models.CharField(max_length=80)
    description = models.TextField(max_length=600, help_text="What the badge means, for the learner.")
    criteria_text = models.TextField(
        max_length=600, help_text="How to earn it, in words; goes into the credential's criteria.")
    kind = models.CharField(max_length=20, choices=BadgeKind.choices)
    verb = models.CharField(max_length=64, blank=True, choices=list(EARNING_VERBS.items()),
                            help_text="The event that counts (not used for a points total).")
    recipient = models.CharField(max_length=20, choices=Recipient.choices, default=Recipient.ACTOR,
                                 help_text="Whose progress the event is.")
    threshold = models.PositiveIntegerField(
        default=1, validators=[MinValueValidator(1)],
        help_text="Events to reach (count, calibrated), weeks in a row (streak) or points (points).")
    period_weeks = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(104)],
        help_text="Count only the events of the last this-many weeks (count). Empty: all time.")
    per_week = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1)], help_text="Events a week needs to keep a streak.")
    min_words = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="An event counts only with at least this many words.")
    min_rating = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="A usefulness rating counts only when at least this (1-5).")
    min_accuracy = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="A calibration counts only with at least this accuracy (0-1).")
    icon = models.CharField(max_length=12, choices=BadgeIcon.choices, default=BadgeIcon.STAR)
    colour = models.CharField(max_length=7, default="#2f6f4e",
                              help_text="The badge's colour, as #rrggbb.")
    is_public = models.BooleanField(
        default=True, help_text="Members of the organisation see who earned it (learners who hide from "
                                "leaderboards are left out).")
    is_active = models.BooleanField(default=True, help_text="Inactive: no new awards; earned ones stay.")
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ["name", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="one_badge_per_code"),
            models.UniqueConstraint(fields=["code"], condition=Q(organization__isnull=True),
                                    name="one_default_badge_per_code"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if self.kind == BadgeKind.POINTS:
            if self.verb:
                errors["verb"] = "A points badge counts points, not one kind of event: leave it empty."
        elif not self.verb:
            errors["verb"] = "Pick the event this badge counts."
        if self.kind == BadgeKind.CALIBRATED:
            if self.verb and self.verb != "calibration_completed":
                errors["verb"] = "A calibrated-reviewer badge counts finished calibrations."
            if self.min_accuracy is None:
                errors["min_accuracy"] = "Say how close to the expert a calibration must be."
        if self.kind == BadgeKind.SINGLE_EVENT and self.threshold != 1:
            errors["threshold"] = "A single-event badge is earned by one event: set 1."
        if self.period_weeks is not None and self.kind != BadgeKind.COUNT:
            errors["period_weeks"] = "Only a count badge looks at a period."
        colour = self.colour or ""
        if len(colour) != 7 or colour[0] != "#" or any(c not in "0123456789abcdefABCDEF" for c in colour[1:]):
            errors["colour"] = "Write the colour as #rrggbb, e.g. #2f6f4e."
        if errors:
            raise ValidationError(errors)

    @property
    def criterion_summary(self) -> str:
        """The criterion in one line, from its settings (the narrative says it in words)."""
        event = EARNING_VERBS.get(self.verb, self.verb).lower()
        if self.kind == BadgeKind.POINTS:
            return f"{self.threshold} points in a cohort"
        if self.kind == BadgeKind.STREAK:
            times = "once" if self.per_week == 1 else f"{self.per_week} times"
            return f"{self.threshold} weeks in a row, each {times}: {event}"
        if self.kind == BadgeKind.SINGLE_EVENT:
            return f"Once: {event}"
        period = f" within {self.period_weeks} weeks" if self.period_weeks else ""
        times = "Once" if self.threshold == 1 else f"{self.threshold} times"
        return f"{times}{period}: {event}"


class BadgeProgress(models.Model):
    """Events that counted toward a badge for a learner in one week (Monday in the
    cohort's timezone). Counts over a period and streaks read these rows."""

    badge = models.ForeignKey(Badge, on_delete=models.CASCADE, related_name="+")
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    week = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "badge progress"
        constraints = [
            models.UniqueConstraint(fields=["badge", "learner", "week"], name="one_progress_row_per_week"),
        ]

    def __str__(self) -> str:
        return f"{self.count} in the week of {self.week}"


class BadgeAward(models.Model):
    """A badge a learner earned: at most one per badge and learner, kept when revoked
    (the credential then verifies as revoked). The id is the credential's id, so the
    public verification address stays the same for good."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey("cohorts.Organization", on_delete=models.CASCADE, related_name="+")
    badge = models.ForeignKey(Badge, on_delete=models.PROTECT, related_name="awards")
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="badge_awards")
    cohort = models.ForeignKey("cohorts.Cohort", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", help_text="Where it was earned.")
    source_event = models.ForeignKey("core.Event", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", help_text="The event that completed the criterion.")
    awarded_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    revocation_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-awarded_at"]
        constraints = [
            models.UniqueConstraint(fields=["badge", "learner"], name="one_award_per_badge_and_learner"),
        ]
        indexes = [models.Index(fields=["learner", "-awarded_at"])]

    def __str__(self) -> str:
        return f"{self.badge} for {self.learner}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class SigningKey(models.Model):
    """The organisation's Ed25519 key that signs its badge credentials. Made on first
    use; the private half never leaves the server (admin shows only the public key)."""

    organization = models.OneToOneField("cohorts.Organization", on_delete=models.CASCADE,
                                        related_name="badge_signing_key")
    private_pem = models.TextField(editable=False)
    created_at = models.DateTimeField(default=now, editable=False)

    def __str__(self) -> str:
        return f"Badge signing key of {self.organization}"
