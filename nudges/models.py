"""Nudge rules, the delivery log and the read model the rules are evaluated on.

A rule names a trigger (who is due), an audience, a message template, channels and a
mode. A periodic evaluation turns each due (rule, learner, period) into one
`Message` per channel, keyed so that a second tick, a retry or a second worker finds
the row and adds nothing. The send task then delivers it, or records why it did not.

The triggers read `Obligation` and `Activity` rows, which the `nudges.obligations`
event consumer keeps from the other apps' events, so this app never reads their tables.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Trigger(models.TextChoices):
    INACTIVE = "inactive", "Inactive for N days"
    MICROTASK_DUE = "microtask_due", "Micro-task pending near its due date"
    REVIEW_DUE = "review_due", "Peer review due soon"
    QUESTION_UNANSWERED = "question_unanswered", "My question unanswered"
    CALIBRATION_PENDING = "calibration_pending", "Calibration pending"
    NO_SHOW = "no_show", "Missed a live session"
    FIRST_CONTRIBUTION = "first_contribution", "First contribution still missing"


class Topic(models.TextChoices):
    """What a message is about: the unit of preferences and unsubscribe links.
    Every trigger is a topic; so are the digest, live sessions and peers' reminders."""

    INACTIVE = Trigger.INACTIVE.value, "Reminders when I have been away"
    MICROTASK_DUE = Trigger.MICROTASK_DUE.value, "Micro-tasks due soon"
    REVIEW_DUE = Trigger.REVIEW_DUE.value, "Peer reviews due soon"
    QUESTION_UNANSWERED = Trigger.QUESTION_UNANSWERED.value, "My unanswered questions"
    CALIBRATION_PENDING = Trigger.CALIBRATION_PENDING.value, "Calibration to finish"
    NO_SHOW = Trigger.NO_SHOW.value, "Follow-ups after a missed session"
    FIRST_CONTRIBUTION = Trigger.FIRST_CONTRIBUTION.value, "Help making my first contribution"
    PEER = "peer", "Reminders from peers"
    DIGEST = "digest", "The weekly Top Take digest"
    SESSIONS = "sessions", "Live session invitations and reminders"


# Topics the weekly cap counts: nudges. Digests and session invitations are asked for.
CAPPED_TOPICS = frozenset({*Trigger.values, Topic.PEER.value})


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    IN_APP = "in_app", "In-app"


class Mode(models.TextChoices):
    AUTOMATIC = "automatic", "Automatic (low risk)"
    APPROVAL = "approval", "Facilitator approves each nudge"


class AudienceRole(models.TextChoices):
    LEARNERS = "learner", "Learners"
    PEER_MENTORS = "peer_mentor", "Peer mentors"
    EVERYONE = "", "Every member"


class NudgeRule(models.Model):
    """Who is due (trigger), who may get it (audience), what they read, how and when."""

    organization = models.ForeignKey("cohorts.Organization", on_delete=models.CASCADE,
                                     related_name="nudge_rules")
    code = models.SlugField(max_length=60, help_text="Stable name; the house defaults use the trigger's.")
    name = models.CharField(max_length=120)
    trigger = models.CharField(max_length=30, choices=Trigger.choices)
    days = models.PositiveSmallIntegerField(
        default=7, validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text="Inactive, first contribution, unanswered question: after this many days.")
    hours_before = models.PositiveSmallIntegerField(
        default=24, validators=[MinValueValidator(1), MaxValueValidator(168)],
        help_text="Review or micro-task due: this many hours before it is due.")
    cohort = models.ForeignKey("cohorts.Cohort", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="nudge_rules", help_text="Empty: every cohort.")
    squad = models.ForeignKey("cohorts.Squad", null=True, blank=True, on_delete=models.CASCADE,
                              related_name="nudge_rules", help_text="Empty: every squad.")
    role = models.CharField(max_length=20, choices=AudienceRole.choices, default=AudienceRole.LEARNERS,
                            blank=True)
    subject = models.CharField(max_length=200)
    body_text = models.TextField(help_text="Plain text with {{ variables }}.")
    body_html = models.TextField(blank=True, help_text="Optional HTML; empty: made from the text.")
    send_email = models.BooleanField(default=True)
    send_in_app = models.BooleanField(default=True)
    mode = models.CharField(max_length=12, choices=Mode.choices, default=Mode.AUTOMATIC)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="unique_nudge_rule_code"),
            models.CheckConstraint(condition=Q(send_email=True) | Q(send_in_app=True),
                                   name="nudge_rule_has_a_channel"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def channels(self) -> list[str]:
        return [c for c, on in ((Channel.EMAIL, self.send_email), (Channel.IN_APP, self.send_in_app)) if on]


class DeliverySettings(models.Model):
    """An organisation's limits on nudges: the weekly cap and the send window, in each
    learner's own timezone."""

    organization = models.OneToOneField("cohorts.Organization", on_delete=models.CASCADE,
                                        related_name="delivery_settings")
    weekly_cap = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text="Most nudges one learner gets in a week, across all types and channels.")
    window_start = models.PositiveSmallIntegerField(
        default=9, validators=[MaxValueValidator(23)], help_text="Earliest local hour to send.")
    window_end = models.PositiveSmallIntegerField(
        default=18, validators=[MinValueValidator(1), MaxValueValidator(24)],
        help_text="Local hour when sending stops.")
    weekdays_only = models.BooleanField(default=True)

    class Meta:
        verbose_name_plural = "delivery settings"
        constraints = [
            models.CheckConstraint(condition=Q(window_end__gt=models.F("window_start")),
                                   name="send_window_ends_after_it_starts"),
        ]

    def __str__(self) -> str:
        return f"Delivery settings of {self.organization}"


class LearnerDeliverySettings(models.Model):
    """A person's quiet hours (local time), on top of the organisation's window."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="delivery_settings")
    quiet_start = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(23)])
    quiet_end = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(23)])

    def __str__(self) -> str:
        return f"Quiet hours of {self.user_id}"


class TopicPreference(models.Model):
    """A switch per (person, topic, channel). No row: on."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="topic_preferences")
    topic = models.CharField(max_length=30, choices=Topic.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "topic", "channel"], name="one_preference_per_topic")
        ]

    def __str__(self) -> str:
        return f"{self.topic}/{self.channel}: {'on' if self.enabled else 'off'}"


class MessageState(models.TextChoices):
    PROPOSED = "proposed", "Awaiting approval"
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SUPPRESSED = "suppressed", "Suppressed"
    CAPPED = "capped", "Skipped by the weekly cap"
    SKIPPED = "skipped", "Skipped by a facilitator"


OPEN_STATES = (MessageState.PROPOSED, MessageState.QUEUED)


class Message(models.Model):
    """One message to one person on one channel, and what became of it.

    `key` is (source, person, period, channel): the evaluation inserts with ON
    CONFLICT DO NOTHING, so the same due nudge is never queued twice. `group` is the
    key without the channel: an email and its in-app twin count once against the cap.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey("cohorts.Organization", on_delete=models.CASCADE, related_name="+")
    cohort = models.ForeignKey("cohorts.Cohort", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="sent_nudges")
    rule = models.ForeignKey(NudgeRule, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="messages")
    topic = models.CharField(max_length=30, choices=Topic.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    key = models.CharField(max_length=200, unique=True)
    group = models.CharField(max_length=200, db_index=True)
    state = models.CharField(max_length=12, choices=MessageState.choices, default=MessageState.QUEUED)
    reason = models.CharField(max_length=200, blank=True)
    subject = models.CharField(max_length=200)
    body_text = models.TextField()
    # Empty: made from the text when it is sent (rendering HTML for every queued
    # message at evaluation time is most of an evaluation's cost).
    body_html = models.TextField(blank=True)
    # A digest's messages keep only who and how; the digest itself is rendered at send time.
    digest = models.ForeignKey("Digest", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="messages")
    link = models.CharField(max_length=300, blank=True)
    # The obligation whose completion makes this message pointless ("kind:key").
    obligation = models.CharField(max_length=120, blank=True)
    ics = models.TextField(blank=True, help_text="An iCalendar invitation to attach.")
    not_before = models.DateTimeField(default=timezone.now, help_text="Not sent before: the send window, "
                                      "quiet hours or the backoff after a failed attempt.")
    # When a send task was last enqueued; the sweep re-enqueues only rows whose task is lost.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["state", "not_before"]),
            models.Index(fields=["user", "state", "sent_at"]),
            models.Index(fields=["organization", "state", "-created_at"]),
            models.Index(fields=["cohort", "state"]),
        ]

    def __str__(self) -> str:
        return f"{self.topic} to {self.user_id} by {self.channel}: {self.state}"


class ObligationKind(models.TextChoices):
    REVIEW = "review", "Peer reviews"
    CALIBRATION = "calibration", "Calibration"
    QUESTION = "question", "Question"
    MICROTASK = "microtask", "Micro-task"
    NO_SHOW = "no_show", "Missed session"


class Obligation(models.Model):
    """Something a person owes (reviews allocated to them, an answer to their question)
    or has done (a calibration, a micro-task), as the events told it."""

    cohort = models.ForeignKey("cohorts.Cohort", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=ObligationKind.choices)
    key = models.CharField(max_length=80)
    title = models.CharField(max_length=200, blank=True)
    link = models.CharField(max_length=300, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    pending = models.PositiveIntegerField(default=1)
    opened_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "key"], name="one_obligation_per_key")
        ]
        indexes = [
            models.Index(fields=["kind", "done_at", "due_at"]),
            models.Index(fields=["cohort", "kind", "key"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.key} of {self.user_id}"

    @property
    def ref(self) -> str:
        return f"{self.kind}:{self.key}"


class CohortTask(models.Model):
    """Something every learner of a cohort owes, e.g. the calibration of a published
    assignment. Who has done it is an `Obligation` row with `done_at`."""

    cohort = models.ForeignKey("cohorts.Cohort", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=ObligationKind.choices)
    key = models.CharField(max_length=80)
    title = models.CharField(max_length=200)
    link = models.CharField(max_length=300, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cohort", "kind", "key"], name="one_cohort_task_per_key")
        ]

    def __str__(self) -> str:
        return self.title


class Activity(models.Model):
    """When a member last did anything in a cohort, and when they first contributed."""

    cohort = models.ForeignKey("cohorts.Cohort", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_active_at = models.DateTimeField()
    first_contribution_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "activity"
        constraints = [
            models.UniqueConstraint(fields=["cohort", "user"], name="one_activity_row_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.cohort_id}"


class DigestState(models.TextChoices):
    DRAFT = "draft", "Being prepared"
    SENT = "sent", "Sent"
    EMPTY = "empty", "Nothing to send"


class Digest(models.Model):
    """A cohort's weekly Top Take digest: the week's best contributions, ranked when it
    is sent, with the facilitator's intro. Sent digests are the cohort's archive."""

    cohort = models.ForeignKey("cohorts.Cohort", on_delete=models.CASCADE, related_name="digests")
    week_start = models.DateField(help_text="Monday of the week it covers, in the cohort's timezone.")
    intro = models.TextField(blank=True, help_text="A facilitator's note at the top.")
    items = models.JSONField(default=list, blank=True)
    state = models.CharField(max_length=10, choices=DigestState.choices, default=DigestState.DRAFT)
    send_at = models.DateTimeField(help_text="When it goes out (Monday 09:00 after the week, cohort time).")
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    recipients = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-week_start"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "week_start"], name="one_digest_per_cohort_week")
        ]
        indexes = [models.Index(fields=["state", "send_at"])]

    def __str__(self) -> str:
        return f"Top Take digest of {self.cohort} for the week of {self.week_start}"
