"""Input and output shapes of the peer review API.

Inputs check only the shape (types, lengths, each criterion given once); the
services decide the rules (every criterion scored, levels in range, windows,
who may) and answer with field messages. Levels travel as a list of
{"criterion": id, "level": 0-based index, and a text}, lowest level 0.

Outputs hide people where the assignment's reviews are anonymous: an author
does not learn who reviewed them, nor a reviewer whose work it is. The
cohort's staff see everyone."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cohorts.models import Cohort, CohortStep
from core import policy
from core.api.viewsets import scope_related_fields

from ..grading import METHOD_EXPLANATION
from ..models import (
    Assignment,
    CalibrationAttempt,
    CalibrationExample,
    Checkpoint,
    Criterion,
    CriterionGrade,
    Dispute,
    DisputeOutcome,
    ExpertScore,
    Grade,
    Level,
    Review,
    ReviewAllocation,
    ReviewScore,
    Rubric,
    Submission,
    SubmissionAttachment,
    SubmissionVersion,
    UsefulnessRating,
)
from ..services import MAX_ATTACHMENTS
from ..services.assignments import DEFAULTS
from ..services.reviewing import MAX_COMMENT_CHARS
from ..services.rubrics import MAX_CRITERIA, MAX_LEVELS

# Generous bounds on free text, so a request cannot carry megabytes of it; the
# services apply the limits a person is told about (words, comment lengths).
MAX_TEXT_CHARACTERS = 100_000
MAX_ID = 2**63 - 1


# --- who may see whom -------------------------------------------------------------


def _viewer(serializer):
    request = serializer.context.get("request")
    return request.user if request is not None else None


def shows_people(serializer, assignment: Assignment, *involved_ids: int) -> bool:
    """Whether the caller may see who wrote or reviewed a piece of work: always
    unless reviews are anonymous; then only the people themselves and the staff.
    Needs the assignment's cohort loaded (the policy reads its organisation)."""
    user = _viewer(serializer)
    if user is None:
        return False
    if not assignment.anonymous_reviews or user.pk in involved_ids:
        return True
    return policy.allows(user, "assignment.expert", assignment)


def is_staff_of(serializer, assignment: Assignment) -> bool:
    user = _viewer(serializer)
    return user is not None and policy.allows(user, "assignment.expert", assignment)


# --- levels -----------------------------------------------------------------------


class LevelInputSerializer(serializers.Serializer):
    criterion = serializers.IntegerField(min_value=1, max_value=MAX_ID,
                                         help_text="A criterion of the assignment's rubric.")
    level = serializers.IntegerField(min_value=0, max_value=MAX_LEVELS - 1,
                                     help_text="The level's 0-based index, lowest points first.")


class ReviewLevelInputSerializer(LevelInputSerializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="",
                                    max_length=MAX_TEXT_CHARACTERS,
                                    help_text="Optional: answer the criterion's comment prompt.")


class ExpertLevelInputSerializer(LevelInputSerializer):
    explanation = serializers.CharField(required=False, allow_blank=True, default="",
                                        max_length=MAX_TEXT_CHARACTERS,
                                        help_text="Why this level; learners read it after calibrating.")


class ResolveLevelInputSerializer(LevelInputSerializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=MAX_TEXT_CHARACTERS,
        help_text="Needed where the level departs from the peers' (or the overall reason is empty).")


def levels_field(child: type[LevelInputSerializer], **kwargs):
    return child(many=True, max_length=MAX_CRITERIA, **kwargs)


def unique_criteria(items: list[dict]) -> list[dict]:
    criteria = [item["criterion"] for item in items]
    if len(criteria) != len(set(criteria)):
        raise serializers.ValidationError("Give each criterion once.")
    return items


def levels_dict(items: list[dict], text: str | None = None) -> dict:
    """The services' shape: {criterion id: (level, text)}, or {criterion id: level}."""
    if text is None:
        return {item["criterion"]: item["level"] for item in items}
    return {item["criterion"]: (item["level"], item.get(text, "")) for item in items}


# --- rubrics ----------------------------------------------------------------------


class LevelSerializer(serializers.ModelSerializer):
    level = serializers.IntegerField(source="order", help_text="The 0-based index reviewers give.")

    class Meta:
        model = Level
        fields = ["id", "level", "points", "descriptor"]
        read_only_fields = fields


class CriterionSerializer(serializers.ModelSerializer):
    levels = LevelSerializer(many=True, read_only=True, help_text="Lowest points first.")

    class Meta:
        model = Criterion
        fields = ["id", "order", "title", "description", "weight", "comment_prompt", "levels"]
        read_only_fields = fields


class RubricSerializer(serializers.ModelSerializer):
    frozen = serializers.BooleanField(read_only=True,
                                      help_text="Used by a published assignment: edits make a new version.")
    criteria = CriterionSerializer(many=True, read_only=True)

    class Meta:
        model = Rubric
        fields = ["id", "family", "version", "title", "description", "state", "frozen", "frozen_at",
                  "created_by", "created_at", "published_at", "criteria"]
        read_only_fields = fields


class LevelDefinitionInputSerializer(serializers.Serializer):
    points = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=0)
    descriptor = serializers.CharField(max_length=300, allow_blank=True,
                                       help_text="What work at this level looks like.")


class CriterionInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True, default="",
                                        max_length=MAX_TEXT_CHARACTERS)
    weight = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, default=1,
                                      help_text="How much the criterion counts in the total.")
    comment_prompt = serializers.CharField(required=False, allow_blank=True, default="", max_length=300,
                                           help_text="An optional question reviewers answer.")
    levels = LevelDefinitionInputSerializer(
        many=True, max_length=MAX_LEVELS,
        help_text=f"2 to {MAX_LEVELS} levels, fewest points first, each worth more than the one before.")


class RubricInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True, default="",
                                        max_length=MAX_TEXT_CHARACTERS)
    criteria = CriterionInputSerializer(many=True, max_length=MAX_CRITERIA,
                                        help_text=f"1 to {MAX_CRITERIA} criteria, in order.")


# --- assignments ------------------------------------------------------------------


class AssignmentSerializer(serializers.ModelSerializer):
    rubric_version = serializers.IntegerField(source="rubric.version", read_only=True)

    class Meta:
        model = Assignment
        fields = ["id", "cohort", "step", "rubric", "rubric_version", "title", "instructions",
                  "instructions_html", "submission_opens_at", "submission_due_at", "review_due_at",
                  "reviews_per_submission", "review_hours", "anonymous_reviews", "self_assessment",
                  "calibration_examples", "outside_squad", "spread_threshold", "state", "allocated_at",
                  "reviews_closed_at", "created_by", "created_at", "published_at"]
        read_only_fields = fields


class AssignmentSettingsInputSerializer(serializers.Serializer):
    """The fields of an assignment one may set; every one optional (an edit)."""

    rubric = serializers.PrimaryKeyRelatedField(queryset=Rubric.objects.all(), required=False,
                                                help_text="A published rubric of the organisation.")
    title = serializers.CharField(max_length=200, allow_blank=True, required=False)
    instructions = serializers.CharField(allow_blank=True, required=False, max_length=MAX_TEXT_CHARACTERS,
                                         help_text="Markdown.")
    submission_opens_at = serializers.DateTimeField(required=False)
    submission_due_at = serializers.DateTimeField(required=False)
    review_due_at = serializers.DateTimeField(
        required=False, help_text="Reviews open when submissions close and end here; late work is accepted "
                                  "until then.")
    reviews_per_submission = serializers.IntegerField(min_value=1, max_value=10, required=False)
    review_hours = serializers.IntegerField(
        min_value=1, max_value=24 * 14, required=False,
        help_text="Hours a reviewer has for each review before it moves to someone else.")
    anonymous_reviews = serializers.BooleanField(required=False)
    self_assessment = serializers.BooleanField(required=False)
    calibration_examples = serializers.IntegerField(
        min_value=0, max_value=10, required=False,
        help_text="Examples a learner scores against an expert before reviewing peers.")
    outside_squad = serializers.BooleanField(required=False,
                                             help_text="Review work from outside one's squad.")
    spread_threshold = serializers.FloatField(
        min_value=0, max_value=10, required=False,
        help_text="Mean disagreement, in levels, above which an expert checks a criterion's grade.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        scope_related_fields(self, rubric=Rubric)


class AssignmentCreateSerializer(AssignmentSettingsInputSerializer):
    cohort = serializers.PrimaryKeyRelatedField(queryset=Cohort.objects.all())
    step = serializers.PrimaryKeyRelatedField(
        queryset=CohortStep.objects.all(), required=False, allow_null=True, default=None,
        help_text="The journey step it serves; its title and description fill in what is left empty.")
    rubric = serializers.PrimaryKeyRelatedField(queryset=Rubric.objects.all(),
                                                help_text="A published rubric of the organisation.")
    title = serializers.CharField(max_length=200, allow_blank=True, default="")
    instructions = serializers.CharField(allow_blank=True, default="", max_length=MAX_TEXT_CHARACTERS,
                                         help_text="Markdown.")
    submission_opens_at = serializers.DateTimeField()
    submission_due_at = serializers.DateTimeField()
    review_due_at = serializers.DateTimeField(
        help_text="Reviews open when submissions close and end here; late work is accepted until then.")
    # Explicit defaults: a form post leaves an unticked box out, which would otherwise read as false.
    reviews_per_submission = serializers.IntegerField(min_value=1, max_value=10,
                                                      default=DEFAULTS["reviews_per_submission"])
    review_hours = serializers.IntegerField(
        min_value=1, max_value=24 * 14, default=DEFAULTS["review_hours"],
        help_text="Hours a reviewer has for each review before it moves to someone else.")
    anonymous_reviews = serializers.BooleanField(default=DEFAULTS["anonymous_reviews"])
    self_assessment = serializers.BooleanField(default=DEFAULTS["self_assessment"])
    calibration_examples = serializers.IntegerField(
        min_value=0, max_value=10, default=DEFAULTS["calibration_examples"],
        help_text="Examples a learner scores against an expert before reviewing peers.")
    outside_squad = serializers.BooleanField(default=DEFAULTS["outside_squad"],
                                             help_text="Review work from outside one's squad.")
    spread_threshold = serializers.FloatField(
        min_value=0, max_value=10, default=DEFAULTS["spread_threshold"],
        help_text="Mean disagreement, in levels, above which an expert checks a criterion's grade.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        scope_related_fields(self, cohort=Cohort, step=CohortStep)


class CriterionAgreementSerializer(serializers.Serializer):
    criterion = serializers.IntegerField()
    title = serializers.CharField()
    alpha = serializers.FloatField(allow_null=True,
                                   help_text="Krippendorff's alpha (ordinal); null until it can be computed.")
    units = serializers.IntegerField(help_text="Submissions with at least two peer reviews.")


class AgreementSerializer(serializers.Serializer):
    overall = serializers.FloatField(
        allow_null=True,
        help_text="Krippendorff's alpha (ordinal) over every criterion of every submission: 1 is perfect "
                  "agreement, 0 chance level, below 0 worse than chance. Null while fewer than two "
                  "reviewers scored the same work, or everyone gave the same level.")
    criteria = CriterionAgreementSerializer(many=True)


class DashboardCountsSerializer(serializers.Serializer):
    participants = serializers.IntegerField(help_text="Learners and peer mentors of the cohort.")
    submissions = serializers.IntegerField()
    late_submissions = serializers.IntegerField()
    calibrated = serializers.IntegerField(help_text="Learners who finished calibrating.")
    allocated = serializers.IntegerField(help_text="Peer reviews in force (not moved to someone else).")
    reviews_submitted = serializers.IntegerField(help_text="Peer reviews done.")
    reviews_outstanding = serializers.IntegerField()
    reviews_overdue = serializers.IntegerField()
    reviews_withdrawn = serializers.IntegerField(
        help_text="Moved to another reviewer when overdue, or not done when the review window closed.")
    self_assessments = serializers.IntegerField()
    grades_final = serializers.IntegerField()
    grades_waiting_for_expert = serializers.IntegerField()
    open_checkpoints = serializers.IntegerField()
    open_disputes = serializers.IntegerField()
    usefulness_ratings = serializers.IntegerField()


class DashboardSerializer(serializers.Serializer):
    assignment = serializers.IntegerField()
    state = serializers.CharField()
    revision = serializers.IntegerField(help_text="Changes with every write to the assignment.")
    counts = DashboardCountsSerializer()
    agreement = AgreementSerializer()


class GradeRowSerializer(serializers.Serializer):
    submission = serializers.IntegerField()
    author = serializers.IntegerField()
    author_name = serializers.CharField()
    late = serializers.BooleanField()
    version = serializers.IntegerField()
    reviews_received = serializers.IntegerField(
        help_text="Peer reviews submitted on it (no self-assessment).")
    state = serializers.CharField(allow_null=True,
                                  help_text="checkpoint, final, or null while it is not graded.")
    points = serializers.FloatField(allow_null=True)
    max_points = serializers.FloatField(allow_null=True)
    percentage = serializers.FloatField(allow_null=True)
    method = serializers.CharField(allow_null=True)
    levels = serializers.DictField(child=serializers.FloatField(),
                                   help_text="{criterion id: final level index}.")


# --- calibration ------------------------------------------------------------------


class ExpertScoreSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExpertScore
        fields = ["criterion", "level", "explanation"]
        read_only_fields = fields


class CalibrationExampleSerializer(serializers.ModelSerializer):
    attempted = serializers.SerializerMethodField(help_text="You have calibrated on this example.")
    expert_scores = serializers.SerializerMethodField(
        help_text="The expert's levels: shown to staff, and to a learner once they have calibrated on the "
                  "example; null otherwise.")

    class Meta:
        model = CalibrationExample
        fields = ["id", "assignment", "order", "title", "body", "body_html", "created_at", "attempted",
                  "expert_scores"]
        read_only_fields = fields

    def get_attempted(self, example) -> bool:
        return bool(example.my_attempts)

    @extend_schema_field(ExpertScoreSerializer(many=True, allow_null=True))
    def get_expert_scores(self, example):
        if not (example.my_attempts or is_staff_of(self, example.assignment)):
            return None
        return ExpertScoreSerializer(example.expert_scores.all(), many=True).data


class CalibrationExampleCreateSerializer(serializers.Serializer):
    assignment = serializers.PrimaryKeyRelatedField(queryset=Assignment.objects.all())
    title = serializers.CharField(max_length=200, allow_blank=True)
    body = serializers.CharField(allow_blank=True, max_length=MAX_TEXT_CHARACTERS, help_text="Markdown.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        scope_related_fields(self, assignment=Assignment)


class ExampleScoreInputSerializer(serializers.Serializer):
    scores = levels_field(ExpertLevelInputSerializer,
                          help_text="The reference level of every criterion, with an optional explanation.")

    def validate_scores(self, items):
        return unique_criteria(items)


class AttemptCriterionSerializer(serializers.Serializer):
    criterion = serializers.IntegerField()
    level = serializers.IntegerField(allow_null=True, help_text="Your level.")
    expert_level = serializers.IntegerField()
    explanation = serializers.CharField(help_text="The expert's explanation.")


class CalibrationAttemptSerializer(serializers.ModelSerializer):
    assignment = serializers.IntegerField(source="example.assignment_id", read_only=True)
    criteria = serializers.SerializerMethodField()

    class Meta:
        model = CalibrationAttempt
        fields = ["id", "example", "assignment", "accuracy", "created_at", "criteria"]
        read_only_fields = fields
        extra_kwargs = {"accuracy": {"help_text": "From 0 to 1: 1 minus the mean distance from the "
                                                  "expert's level, as a share of each criterion's scale."}}

    @extend_schema_field(AttemptCriterionSerializer(many=True))
    def get_criteria(self, attempt):
        mine = {int(pk): level for pk, level in attempt.levels.items()}
        return AttemptCriterionSerializer([
            {"criterion": score.criterion_id, "level": mine.get(score.criterion_id),
             "expert_level": score.level, "explanation": score.explanation}
            for score in attempt.example.expert_scores.all()
        ], many=True).data


class CalibrationAttemptCreateSerializer(serializers.Serializer):
    example = serializers.PrimaryKeyRelatedField(queryset=CalibrationExample.objects.all())
    levels = levels_field(LevelInputSerializer, help_text="Your level for every criterion.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        scope_related_fields(self, example=CalibrationExample)

    def validate_levels(self, items):
        return unique_criteria(items)


# --- submissions ------------------------------------------------------------------


class AttachmentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField(
        help_text="GET it (with the same credentials) for the file itself.")

    class Meta:
        model = SubmissionAttachment
        fields = ["id", "name", "size", "content_type", "download_url"]
        read_only_fields = fields

    def get_download_url(self, attachment: SubmissionAttachment) -> str:
        # The version is the prefetch's parent: no query per attachment.
        path = reverse("submission-attachment",
                       kwargs={"pk": attachment.version.submission_id, "attachment_id": attachment.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class SubmissionVersionSerializer(serializers.ModelSerializer):
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = SubmissionVersion
        fields = ["number", "body", "body_html", "word_count", "created_at", "attachments"]
        read_only_fields = fields


class SubmissionVersionSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = SubmissionVersion
        fields = ["number", "word_count", "created_at"]
        read_only_fields = fields


class AuthorFieldsMixin(serializers.Serializer):
    author = serializers.SerializerMethodField(help_text="Null where reviews are anonymous and it is not "
                                                         "yours to know.")
    author_name = serializers.SerializerMethodField()

    def _author(self, submission):
        if shows_people(self, submission.assignment, submission.author_id):
            return submission.author
        return None

    def get_author(self, submission) -> int | None:
        author = self._author(submission)
        return author.pk if author else None

    def get_author_name(self, submission) -> str | None:
        author = self._author(submission)
        return author.display_name if author else None


class SubmissionSerializer(AuthorFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = Submission
        fields = ["id", "assignment", "author", "author_name", "version", "late", "created_at", "updated_at"]
        read_only_fields = fields


class SubmissionDetailSerializer(SubmissionSerializer):
    current = serializers.SerializerMethodField(help_text="The current version, the one reviewers read.")
    versions = SubmissionVersionSummarySerializer(many=True, read_only=True, help_text="Newest first.")

    class Meta(SubmissionSerializer.Meta):
        fields = [*SubmissionSerializer.Meta.fields, "current", "versions"]
        read_only_fields = fields

    @extend_schema_field(SubmissionVersionSerializer)
    def get_current(self, submission):
        current = next((v for v in submission.versions.all() if v.number == submission.version), None)
        return SubmissionVersionSerializer(current, context=self.context).data if current else None


class SubmissionJsonInputSerializer(serializers.Serializer):
    assignment = serializers.PrimaryKeyRelatedField(queryset=Assignment.objects.all())
    body = serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=MAX_TEXT_CHARACTERS,
                                 help_text="Markdown.")
    remove_attachments = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False, default=list,
        help_text="Ids of the current version's attachments not to carry over to the new one.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        scope_related_fields(self, assignment=Assignment)


class SubmissionCreateSerializer(SubmissionJsonInputSerializer):
    """A submission with files (multipart); JSON requests carry no `attachments`."""

    attachments = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True), required=False, default=list,
        help_text=f"New files: at most {MAX_ATTACHMENTS} in all, documents and images.")


# --- allocations and reviews ------------------------------------------------------


class AllocationSerializer(serializers.ModelSerializer):
    review = serializers.SerializerMethodField(help_text="The review, once submitted.")

    class Meta:
        model = ReviewAllocation
        fields = ["id", "assignment", "submission", "reviewer", "is_self", "round", "extra", "state",
                  "allocated_at", "due_at", "withdrawn_at", "review"]
        read_only_fields = fields

    def get_review(self, allocation) -> int | None:
        try:
            return allocation.review.pk
        except Review.DoesNotExist:
            return None


class AllocatedSubmissionSerializer(AuthorFieldsMixin, serializers.ModelSerializer):
    current = serializers.SerializerMethodField(help_text="The version to review.")

    class Meta:
        model = Submission
        fields = ["id", "author", "author_name", "version", "late", "current"]
        read_only_fields = fields

    @extend_schema_field(SubmissionVersionSerializer)
    def get_current(self, submission):
        current = next((v for v in submission.versions.all() if v.number == submission.version), None)
        return SubmissionVersionSerializer(current, context=self.context).data if current else None


class AllocationDetailSerializer(AllocationSerializer):
    rubric = serializers.IntegerField(source="assignment.rubric_id", read_only=True,
                                      help_text="The rubric to review with.")
    work = AllocatedSubmissionSerializer(source="submission", read_only=True)

    class Meta(AllocationSerializer.Meta):
        fields = [*AllocationSerializer.Meta.fields, "rubric", "work"]
        read_only_fields = fields


class ReviewInputSerializer(serializers.Serializer):
    levels = levels_field(ReviewLevelInputSerializer, help_text="A level for every criterion of the rubric.")
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=MAX_TEXT_CHARACTERS,
        help_text=f"What works, and one thing to improve (needed for a peer review; "
                  f"{MAX_COMMENT_CHARS} characters at most).")

    def validate_levels(self, items):
        return unique_criteria(items)


class UsefulnessSerializer(serializers.ModelSerializer):
    class Meta:
        model = UsefulnessRating
        fields = ["review", "rating", "comment", "created_at"]
        read_only_fields = fields


class ReviewScoreSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReviewScore
        fields = ["criterion", "level", "comment"]
        read_only_fields = fields


class ReviewSerializer(serializers.ModelSerializer):
    assignment = serializers.IntegerField(source="submission.assignment_id", read_only=True)
    reviewer = serializers.SerializerMethodField(help_text="Null where reviews are anonymous and it is not "
                                                           "yours to know.")
    reviewer_name = serializers.SerializerMethodField()
    scores = ReviewScoreSerializer(many=True, read_only=True)
    usefulness = serializers.SerializerMethodField(help_text="The author's rating of this review, if any.")

    class Meta:
        model = Review
        fields = ["id", "submission", "assignment", "reviewer", "reviewer_name", "is_self", "comment",
                  "submission_version", "submitted_at", "scores", "usefulness"]
        read_only_fields = fields

    def _reviewer(self, review):
        if shows_people(self, review.submission.assignment, review.reviewer_id):
            return review.reviewer
        return None

    def get_reviewer(self, review) -> int | None:
        reviewer = self._reviewer(review)
        return reviewer.pk if reviewer else None

    def get_reviewer_name(self, review) -> str | None:
        reviewer = self._reviewer(review)
        return reviewer.display_name if reviewer else None

    @extend_schema_field(UsefulnessSerializer(allow_null=True))
    def get_usefulness(self, review):
        try:
            return UsefulnessSerializer(review.usefulness).data
        except UsefulnessRating.DoesNotExist:
            return None


class RateInputSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5,
                                      help_text="1 (not useful) to 5 (very useful).")
    comment = serializers.CharField(required=False, allow_blank=True, default="",
                                    max_length=MAX_TEXT_CHARACTERS, help_text="500 characters at most.")


# --- grades, checkpoints, disputes ------------------------------------------------


class CriterionGradeSerializer(serializers.ModelSerializer):
    level = serializers.FloatField(help_text="Final level index; may fall half-way between two levels.")

    class Meta:
        model = CriterionGrade
        fields = ["criterion", "level", "peer_level", "spread", "needs_checkpoint", "points",
                  "override_reason"]
        read_only_fields = fields


class GradeSerializer(serializers.ModelSerializer):
    assignment = serializers.IntegerField(source="submission.assignment_id", read_only=True)
    author = serializers.IntegerField(source="submission.author_id", read_only=True)
    method_explanation = serializers.SerializerMethodField(help_text="How peer grades are worked out.")
    criteria = CriterionGradeSerializer(many=True, read_only=True)

    class Meta:
        model = Grade
        fields = ["id", "submission", "assignment", "author", "state", "points", "max_points", "percentage",
                  "method", "method_explanation", "reviews_counted", "overridden_by", "computed_at",
                  "finalised_at", "criteria"]
        read_only_fields = fields

    def get_method_explanation(self, grade) -> str:
        return METHOD_EXPLANATION


class CheckpointSerializer(serializers.ModelSerializer):
    assignment = serializers.IntegerField(source="submission.assignment_id", read_only=True)
    grade = serializers.SerializerMethodField(help_text="The peers' grade so far; null without reviews.")

    class Meta:
        model = Checkpoint
        fields = ["id", "submission", "assignment", "reason", "state", "created_at", "resolved_by",
                  "resolved_at", "grade"]
        read_only_fields = fields

    @extend_schema_field(GradeSerializer(allow_null=True))
    def get_grade(self, checkpoint):
        try:
            return GradeSerializer(checkpoint.submission.grade, context=self.context).data
        except Grade.DoesNotExist:
            return None


class CheckpointResolveSerializer(serializers.Serializer):
    levels = levels_field(ResolveLevelInputSerializer, help_text="The final level of every criterion.")
    reason = serializers.CharField(required=False, allow_blank=True, default="",
                                   max_length=MAX_TEXT_CHARACTERS,
                                   help_text="Applies to every criterion without a reason of its own.")

    def validate_levels(self, items):
        return unique_criteria(items)


class DisputeSerializer(serializers.ModelSerializer):
    assignment = serializers.IntegerField(source="submission.assignment_id", read_only=True)
    outcome = serializers.ChoiceField(choices=DisputeOutcome.choices, allow_blank=True, read_only=True,
                                      help_text="Empty while the request is open.")

    class Meta:
        model = Dispute
        fields = ["id", "submission", "assignment", "requested_by", "reason", "state", "outcome", "response",
                  "created_at", "resolved_by", "resolved_at"]
        read_only_fields = fields


class DisputeCreateSerializer(serializers.Serializer):
    submission = serializers.PrimaryKeyRelatedField(queryset=Submission.objects.all(),
                                                    help_text="Your graded submission.")
    reason = serializers.CharField(allow_blank=True, max_length=MAX_TEXT_CHARACTERS,
                                   help_text="Which criterion you disagree with and why.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        scope_related_fields(self, submission=Submission)


class DisputeResolveSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=DisputeOutcome.choices,
                                      help_text="upheld: the grade stands; regraded: `levels` replace it.")
    response = serializers.CharField(allow_blank=True, max_length=MAX_TEXT_CHARACTERS,
                                     help_text="The decision, explained to the learner.")
    levels = levels_field(ResolveLevelInputSerializer, required=False, default=list,
                          help_text="The new level of every criterion (regraded only).")

    def validate_levels(self, items):
        return unique_criteria(items)
