"""Calibrated peer review: rubrics and their versions, assignments, submissions and
their versions, calibration examples, review allocations, reviews, grades, expert
checkpoints, regrade requests and each reviewer's record.

Levels are stored as indexes 0..L-1 into a criterion's levels (ordered by points,
lowest first), the unit the grading math in ``grading.py`` works in.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.timezone import now


def private_storage() -> FileSystemStorage:
    """Submission attachments live outside MEDIA_ROOT: they are served only through
    a view that asks the policy whether the reader may see the submission."""
    return FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT)


class RubricState(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class Rubric(models.Model):
    """A reusable scoring guide. Versions of one rubric share a ``family``; a version
    used by a published assignment is frozen, and editing it makes the next version."""

    organization = models.ForeignKey("cohorts.Organization", on_delete=models.CASCADE, related_name="rubrics")
    family = models.UUIDField(
        default=uuid.uuid4, editable=False, help_text="Shared by every version of this rubric."
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    state = models.CharField(max_length=10, choices=RubricState.choices, default=RubricState.DRAFT)
    frozen_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="Set when a published assignment first uses this version; it can no longer change.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=now, editable=False)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["title", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["family", "version"], name="unique_rubric_version"),
        ]
        indexes = [models.Index(fields=["organization", "state"])]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    @property
    def frozen(self) -> bool:
        return self.frozen_at is not None


class Criterion(models.Model):
    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="criteria")
    order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    weight = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=1,
        validators=[MinValueValidator(0)],
        help_text="How much this criterion counts in the total.",
    )
    comment_prompt = models.CharField(
        max_length=300, blank=True, help_text="Optional question reviewers answer in their comment."
    )

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gte=0), name="criterion_weight_not_negative"),
        ]

    def __str__(self) -> str:
        return self.title


class Level(models.Model):
    """One level of a criterion; ``order`` is its index, lowest points first."""

    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="levels")
    order = models.PositiveSmallIntegerField(default=0)
    points = models.DecimalField(max_digits=6, decimal_places=2)
    descriptor = models.CharField(max_length=300)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["criterion", "order"], name="unique_level_order"),
        ]

    def __str__(self) -> str:
        return f"{self.points} - {self.descriptor}"


class AssignmentState(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class Assignment(models.Model):
    cohort = models.ForeignKey("cohorts.Cohort", on_delete=models.CASCADE, related_name="peer_assignments")
    step = models.ForeignKey(
        "cohorts.CohortStep",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="peer_assignments",
    )
    rubric = models.ForeignKey(Rubric, on_delete=models.PROTECT, related_name="assignments")
    title = models.CharField(max_length=200)
    instructions = models.TextField(help_text="Markdown.")
    instructions_html = models.TextField(editable=False, blank=True)
    submission_opens_at = models.DateTimeField()
    submission_due_at = models.DateTimeField()
    review_due_at = models.DateTimeField(
        help_text="Reviews open when submissions close and end here; late work is accepted until then."
    )
    reviews_per_submission = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    review_hours = models.PositiveSmallIntegerField(
        default=48,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 14)],
        help_text="Hours a reviewer has for each allocated review before it moves to someone else.",
    )
    anonymous_reviews = models.BooleanField(default=True)
    self_assessment = models.BooleanField(default=False)
    calibration_examples = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(10)],
        help_text="Examples a learner reviews against the expert's scores before reviewing peers.",
    )
    outside_squad = models.BooleanField(default=False, help_text="Review work from outside your squad.")
    spread_threshold = models.FloatField(
        default=1.0,
        validators=[MinValueValidator(0.0), MaxValueValidator(10.0)],
        help_text="Mean disagreement, in levels, above which an expert checks a criterion's grade.",
    )
    state = models.CharField(max_length=10, choices=AssignmentState.choices, default=AssignmentState.DRAFT)
    allocated_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the first round of reviews was allocated."
    )
    reviews_closed_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the review window was closed and every submission graded or sent to an expert.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=now, editable=False)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    revision = models.PositiveIntegerField(
        default=0, editable=False, help_text="Counts changes; cached dashboards are keyed on it."
    )

    class Meta:
        ordering = ["-submission_due_at", "id"]
        indexes = [models.Index(fields=["cohort", "state", "submission_due_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(submission_due_at__gt=models.F("submission_opens_at")),
                name="submission_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(review_due_at__gt=models.F("submission_due_at")),
                name="review_window_after_submissions",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Submission(models.Model):
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="submissions")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="peer_submissions"
    )
    version = models.PositiveIntegerField(default=1, help_text="The current version number.")
    late = models.BooleanField(default=False, help_text="First submitted after the submission window.")
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["assignment", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "author"], name="one_submission_per_author"),
        ]

    def __str__(self) -> str:
        return f"{self.assignment}: {self.author}"


class SubmissionVersion(models.Model):
    """Every version of a submission, kept with its time."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    body = models.TextField()
    body_html = models.TextField(editable=False)
    word_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ["submission", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "number"], name="unique_submission_version"),
        ]

    def __str__(self) -> str:
        return f"{self.submission} v{self.number}"


def _attachment_path(instance: SubmissionAttachment, filename: str) -> str:
    return f"peer_review/{uuid.uuid4().hex}/{filename}"


class SubmissionAttachment(models.Model):
    version = models.ForeignKey(SubmissionVersion, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=_attachment_path, storage=private_storage, max_length=300)
    name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100)

    class Meta:
        ordering = ["version", "name", "id"]

    def __str__(self) -> str:
        return self.name


class CalibrationExample(models.Model):
    """A sample piece of work an expert scores; learners practise on it."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="examples")
    order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Markdown.")
    body_html = models.TextField(editable=False)
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ["assignment", "order", "id"]

    def __str__(self) -> str:
        return self.title


class ExpertScore(models.Model):
    """The reference level of one criterion on a calibration example."""

    example = models.ForeignKey(CalibrationExample, on_delete=models.CASCADE, related_name="expert_scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="+")
    level = models.PositiveSmallIntegerField()
    explanation = models.TextField(blank=True)
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    scored_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["example", "criterion"], name="one_expert_score_per_criterion"),
        ]

    def __str__(self) -> str:
        return f"Expert level {self.level} on {self.example}"


class CalibrationAttempt(models.Model):
    """A learner's levels on a calibration example and how close they came."""

    example = models.ForeignKey(CalibrationExample, on_delete=models.CASCADE, related_name="attempts")
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    levels = models.JSONField(help_text="{criterion id: level index}")
    accuracy = models.FloatField()
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["example", "learner"], name="one_attempt_per_example"),
        ]

    def __str__(self) -> str:
        return f"{self.learner} on {self.example}: {self.accuracy:.2f}"


class AllocationState(models.TextChoices):
    ASSIGNED = "assigned", "To review"
    SUBMITTED = "submitted", "Reviewed"
    WITHDRAWN = "withdrawn", "Moved to another reviewer"


class ReviewAllocation(models.Model):
    """``reviewer`` is to review ``submission``. Never two rows for one pair, withdrawn
    ones included: the unique key makes re-running an allocation harmless."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="allocations")
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="allocations")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_allocations"
    )
    is_self = models.BooleanField(default=False, help_text="The author's self-assessment.")
    round = models.PositiveSmallIntegerField(default=0, help_text="0, then +1 per handover.")
    extra = models.BooleanField(default=False, help_text="Beyond the target, as work for a late submitter.")
    state = models.CharField(max_length=10, choices=AllocationState.choices, default=AllocationState.ASSIGNED)
    allocated_at = models.DateTimeField(default=now)
    due_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["assignment", "allocated_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "reviewer"], name="one_allocation_per_pair"),
        ]
        indexes = [
            models.Index(fields=["assignment", "state", "due_at"]),
            models.Index(fields=["reviewer", "state"]),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} reviews {self.submission}"


class Review(models.Model):
    allocation = models.OneToOneField(ReviewAllocation, on_delete=models.CASCADE, related_name="review")
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="peer_reviews"
    )
    is_self = models.BooleanField(default=False)
    comment = models.TextField(blank=True)
    submission_version = models.PositiveIntegerField(help_text="The version the reviewer saw.")
    submitted_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["submission", "submitted_at", "id"]

    def __str__(self) -> str:
        return f"Review of {self.submission} by {self.reviewer}"


class ReviewScore(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="+")
    level = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="one_score_per_criterion"),
        ]

    def __str__(self) -> str:
        return f"Level {self.level}"


class UsefulnessRating(models.Model):
    """The author's rating of a review of their work: feedback on feedback."""

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="usefulness")
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    rating = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="usefulness_in_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.rating}/5"


class GradeState(models.TextChoices):
    CHECKPOINT = "checkpoint", "Waiting for an expert"
    FINAL = "final", "Final"


class Grade(models.Model):
    submission = models.OneToOneField(Submission, on_delete=models.CASCADE, related_name="grade")
    state = models.CharField(max_length=10, choices=GradeState.choices)
    points = models.FloatField()
    max_points = models.FloatField()
    percentage = models.FloatField()
    method = models.CharField(max_length=30, help_text="weighted_median, single_review or expert.")
    reviews_counted = models.PositiveSmallIntegerField(default=0)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    computed_at = models.DateTimeField(default=now)
    finalised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state"])]

    def __str__(self) -> str:
        return f"{self.submission}: {self.percentage:.0f}% ({self.state})"


class CriterionGrade(models.Model):
    grade = models.ForeignKey(Grade, on_delete=models.CASCADE, related_name="criteria")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="+")
    level = models.FloatField(help_text="Final level index; may fall half-way between two levels.")
    peer_level = models.FloatField(null=True, blank=True, help_text="What the peers' weighted median gave.")
    spread = models.FloatField(default=0)
    needs_checkpoint = models.BooleanField(default=False)
    points = models.FloatField()
    override_reason = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["grade", "criterion"], name="one_grade_per_criterion"),
        ]

    def __str__(self) -> str:
        return f"Level {self.level:g}"


class CaseState(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"


class Case(models.Model):
    """Something about a submission that waits for a person: open until resolved."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="%(class)ss")
    state = models.CharField(max_length=10, choices=CaseState.choices, default=CaseState.OPEN)
    created_at = models.DateTimeField(default=now)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission"], condition=Q(state="open"), name="one_open_%(class)s_per_submission"
            ),
        ]


class Checkpoint(Case):
    """A submission an expert grades because its reviewers disagree (or it has too few reviews)."""

    reason = models.CharField(max_length=300)

    def __str__(self) -> str:
        return f"Checkpoint for {self.submission}"


class DisputeOutcome(models.TextChoices):
    UPHELD = "upheld", "Grade stands"
    REGRADED = "regraded", "Regraded"


class Dispute(Case):
    """A learner's request to have their grade looked at again."""

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.TextField()
    outcome = models.CharField(max_length=10, choices=DisputeOutcome.choices, blank=True)
    response = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"Regrade request for {self.submission}"


class ReviewerRecord(models.Model):
    """How well one person reviewed in one assignment, and the weight their levels
    carried there (taken from their record in earlier assignments)."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="reviewer_records")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviewer_records"
    )
    calibration_accuracy = models.FloatField(null=True, blank=True)
    calibrated_at = models.DateTimeField(null=True, blank=True)
    agreement = models.FloatField(null=True, blank=True, help_text="With the final grades, 0-1.")
    usefulness = models.FloatField(null=True, blank=True, help_text="Mean rating, 1-5.")
    ratings = models.PositiveIntegerField(default=0)
    reviews_done = models.PositiveIntegerField(default=0)
    score = models.FloatField(null=True, blank=True, help_text="Reviewing score, 0-1.")
    weight = models.FloatField(default=0.05, help_text="Weight of this reviewer's levels here.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assignment", "reviewer"], name="one_record_per_reviewer"),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} in {self.assignment}"
