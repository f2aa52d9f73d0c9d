"""Points: the rules that turn events into points, the append-only ledger those
rules write, and the aggregates that totals and leaderboards read.

Points exist only because an event was consumed (``gamification.handlers``); no
view writes them. Every ledger row names the rule and the event that caused it, and
the database refuses a second row for the same pair, so a redelivered event, a
retried task or a second worker cannot add points twice.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.timezone import now

from core.models import AppendOnlyModel

from .verbs import EARNING_VERBS


class Recipient(models.TextChoices):
    """Whose points they are: a key of the event's payload, or its actor."""

    ACTOR = "actor", "Whoever did it (the event's actor)"
    AUTHOR = "author_id", "The author of the post or submission"
    REVIEWER = "reviewer_id", "The reviewer"
    LEARNER = "learner_id", "The learner (calibration)"
    USER = "user_id", "The learner who completed the task"
    ENDORSER = "endorser_id", "The person who endorsed"
    KUDOS_RECIPIENT = "recipient_id", "The person thanked"
    # Several people at once: each gets the points (a squad milestone pays every member).
    SQUAD_MEMBERS = "member_ids", "Every member who delivered (squad milestone)"


class PointRule(models.Model):
    """Points for one kind of event, with the conditions under which it counts.

    A rule without an organisation is a house default; an organisation's own rule
    with the same code replaces it for that organisation (to change the points or
    switch it off, HR admins add their own)."""

    organization = models.ForeignKey(
        "cohorts.Organization", null=True, blank=True, on_delete=models.CASCADE, related_name="point_rules",
        help_text="Empty: a house default for every organisation without a rule of the same code.",
    )
    code = models.SlugField(max_length=50, help_text="Names the rule; an organisation's rule overrides the "
                                                      "default with the same code.")
    verb = models.CharField(max_length=64, choices=list(EARNING_VERBS.items()),
                            help_text="The event that earns the points.")
    recipient = models.CharField(max_length=20, choices=Recipient.choices)
    points = models.PositiveSmallIntegerField(validators=[MaxValueValidator(1000)])
    daily_cap = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="At most this many points a day per learner from this rule.")
    min_words = models.PositiveSmallIntegerField(
        null=True, blank=True,
        help_text="Counts only when the post, comment or review has at least this many words.")
    min_rating = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="Counts only for a usefulness rating of at least this (1-5).")
    min_accuracy = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="Counts only for a calibration accuracy of at least this (0-1).")
    only_first = models.BooleanField(
        default=False, help_text="Counts only the first time (e.g. a first rating, not a changed one).")
    history_text = models.CharField(
        max_length=120, help_text="How the learner's history names it, e.g. \u201creviewed a peer's "
                                  "submission\u201d.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ["verb", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="one_rule_per_code"),
            models.UniqueConstraint(fields=["code"], condition=Q(organization__isnull=True),
                                    name="one_default_rule_per_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code}: +{self.points} for {self.verb}"


class LedgerEntry(AppendOnlyModel):
    """One change to a learner's points, never edited or deleted. A reversal is a
    new entry with the opposite points that names the entry it reverses."""

    organization = models.ForeignKey("cohorts.Organization", on_delete=models.CASCADE, related_name="+")
    cohort = models.ForeignKey("cohorts.Cohort", on_delete=models.CASCADE, related_name="ledger_entries")
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ledger_entries")
    # RESTRICT: a rule or event with points cannot go alone, only with its organisation.
    rule = models.ForeignKey(PointRule, on_delete=models.RESTRICT, related_name="entries")
    source_event = models.ForeignKey("core.Event", on_delete=models.RESTRICT, related_name="+")
    # What the points were for (the source event's subject): moderation removing it
    # finds every entry it earned by this key.
    subject_key = models.CharField(max_length=100, db_index=True)
    points = models.SmallIntegerField()
    capped = models.BooleanField(default=False, help_text="The daily cap cut the points (possibly to 0).")
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="reversed_by")
    text = models.CharField(max_length=200, help_text="What the learner's history shows.")
    day = models.DateField(help_text="The event's day in the cohort's timezone.")
    week = models.DateField(help_text="Monday of that day's week.")
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "ledger entries"
        constraints = [
            # Per learner: a rule may pay several people for one event (every squad member).
            models.UniqueConstraint(fields=["rule", "source_event", "learner"],
                                    condition=Q(reverses__isnull=True),
                                    name="one_entry_per_rule_event_and_learner"),
        ]
        indexes = [
            models.Index(fields=["learner", "cohort", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.points:+d} {self.text}"


class PointTotal(models.Model):
    """A learner's points in a cohort, kept up to date with every ledger entry."""

    cohort = models.ForeignKey("cohorts.Cohort", on_delete=models.CASCADE, related_name="point_totals")
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="point_totals")
    points = models.IntegerField(default=0)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cohort", "learner"], name="one_total_per_learner")]
        indexes = [models.Index(fields=["cohort", "-points"])]

    def __str__(self) -> str:
        return f"{self.points} points"


class WeeklyPoints(models.Model):
    """A learner's points in a cohort for one week (Monday in the cohort's timezone)."""

    cohort = models.ForeignKey("cohorts.Cohort", on_delete=models.CASCADE, related_name="weekly_points")
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="weekly_points")
    week = models.DateField()
    points = models.IntegerField(default=0)

    class Meta:
        verbose_name_plural = "weekly points"
        constraints = [
            models.UniqueConstraint(fields=["cohort", "learner", "week"], name="one_week_per_learner"),
        ]
        indexes = [models.Index(fields=["cohort", "week", "-points"])]

    def __str__(self) -> str:
        return f"{self.points} points in the week of {self.week}"


class DailyRuleTally(models.Model):
    """Points a learner got from one rule on one day, so a daily cap holds even when
    two workers grant points at once (the row is locked while it is read)."""

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(PointRule, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    points = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner", "rule", "day"], name="one_tally_per_rule_and_day"),
        ]

    def __str__(self) -> str:
        return f"{self.points} on {self.day}"


class Kudos(models.Model):
    """A short thank-you from one member of a cohort to another. It shows on the
    recipient's profile and is an event (points for the recipient by default)."""

    cohort = models.ForeignKey("cohorts.Cohort", on_delete=models.CASCADE, related_name="kudos")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="kudos_sent")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="kudos_received")
    message = models.CharField(max_length=280)
    created_at = models.DateTimeField(default=now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "kudos"
        indexes = [models.Index(fields=["recipient", "-created_at"]),
                   models.Index(fields=["sender", "created_at"])]

    def __str__(self) -> str:
        return f"Kudos to {self.recipient} from {self.sender}"


class PointsPreference(models.Model):
    """A learner's choice to stay off leaderboards: they then neither appear on one
    nor see others' ranks."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="points_preference")
    hide_from_leaderboards = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=now)

    def __str__(self) -> str:
        return "Hidden from leaderboards" if self.hide_from_leaderboards else "On leaderboards"


class CohortPointsSettings(models.Model):
    """Per cohort: whether it shows leaderboards at all (points and badges stay)."""

    cohort = models.OneToOneField("cohorts.Cohort", on_delete=models.CASCADE, related_name="points_settings")
    leaderboards_enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        verbose_name = "cohort points settings"
        verbose_name_plural = "cohort points settings"

    def __str__(self) -> str:
        return "Leaderboards on" if self.leaderboards_enabled else "Leaderboards off"


# Badges live in their own module; importing them here registers them with the app.
from .badge_models import Badge, BadgeAward, BadgeKind, BadgeProgress, SigningKey  # noqa: E402, F401
