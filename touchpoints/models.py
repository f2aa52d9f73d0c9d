"""Live sessions ("touchpoints"): short synchronous calls or meetings of a cohort, or
of one squad, with an agenda, a join link or room, RSVPs and the attendance the
facilitator records afterwards.

A session keeps one UID for life; its SEQUENCE grows whenever what a calendar shows
changes (time, length, place, title, agenda) and when it is cancelled, so calendar
apps replace the invitation they already hold instead of adding a second one."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.timezone import now

MIN_MINUTES = 15
MAX_MINUTES = 30
DURATION_MESSAGE = f"A live session lasts {MIN_MINUTES} to {MAX_MINUTES} minutes."


class Touchpoint(models.Model):
    cohort = models.ForeignKey("cohorts.Cohort", on_delete=models.CASCADE, related_name="touchpoints")
    squad = models.ForeignKey(
        "cohorts.Squad", null=True, blank=True, on_delete=models.CASCADE, related_name="touchpoints",
        help_text="Only this squad (and the cohort's staff) is invited; empty: the whole cohort.")
    title = models.CharField(max_length=200)
    agenda = models.TextField(blank=True)
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(MIN_MINUTES, DURATION_MESSAGE),
                    MaxValueValidator(MAX_MINUTES, DURATION_MESSAGE)])
    join_url = models.URLField("join link", max_length=500, blank=True)
    room = models.CharField(max_length=200, blank=True)
    capacity = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1, "Offer at least one place.")],
        help_text="Places for people who say yes; empty: no limit.")
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = "live session"
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=MIN_MINUTES) & Q(duration_minutes__lte=MAX_MINUTES),
                name="touchpoint_lasts_15_to_30_minutes"),
            models.CheckConstraint(condition=~Q(join_url="") | ~Q(room=""),
                                   name="touchpoint_has_a_place"),
            models.CheckConstraint(condition=Q(capacity__isnull=True) | Q(capacity__gte=1),
                                   name="touchpoint_capacity_positive"),
        ]
        indexes = [models.Index(fields=["cohort", "starts_at"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("touchpoints:detail", args=[self.pk])

    def clean(self) -> None:
        errors = {}
        if not (self.join_url or "").strip() and not (self.room or "").strip():
            errors["join_url"] = "Give a join link, a room, or both."
        if self.squad_id and self.cohort_id and self.squad.cohort_id != self.cohort_id:
            errors["squad"] = "That squad belongs to another cohort."
        if errors:
            raise ValidationError(errors)

    @property
    def ends_at(self) -> dt.datetime:
        return self.starts_at + dt.timedelta(minutes=self.duration_minutes)

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def location(self) -> str:
        """Where to go, as a calendar shows it: the room, else the join link."""
        return self.room or self.join_url

    def has_started(self, at: dt.datetime | None = None) -> bool:
        return self.starts_at <= (at or now())


class RsvpResponse(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    MAYBE = "maybe", "Maybe"


class Rsvp(models.Model):
    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.CASCADE, related_name="rsvps")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rsvps")
    response = models.CharField(max_length=5, choices=RsvpResponse.choices)
    responded_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["touchpoint", "responded_at", "id"]
        verbose_name = "RSVP"
        constraints = [models.UniqueConstraint(fields=["touchpoint", "user"], name="one_rsvp_per_person")]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_response_display()}"


class Attendance(models.Model):
    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.CASCADE, related_name="attendances")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attendances")
    attended = models.BooleanField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["touchpoint", "user__full_name", "id"]
        verbose_name_plural = "attendance"
        constraints = [models.UniqueConstraint(fields=["touchpoint", "user"],
                                               name="one_attendance_per_person")]

    def __str__(self) -> str:
        return f"{self.user}: {'attended' if self.attended else 'absent'}"
