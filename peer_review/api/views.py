"""The peer review REST API: rubrics and their versions, assignments with their
dashboard and grade sheet, calibration, submissions, review allocations,
reviews and their usefulness, grades, expert checkpoints and regrade requests.

Views check and call a service. Querysets come through the policy, so another
organisation's object is a 404, and load what the serializers render in a
fixed number of queries however long the list. Allocating reviews is a
scheduled task, not an endpoint."""

from __future__ import annotations

import math
from collections import defaultdict

import django_filters
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response

from cohorts.models import CohortMembership
from core import policy
from core.api.viewsets import PolicyObjectPermission, ScopedViewSetMixin

from .. import selectors, services
from ..agreement import krippendorff_alpha_ordinal
from ..models import (
    AllocationState,
    Assignment,
    CalibrationAttempt,
    CalibrationExample,
    CaseState,
    Checkpoint,
    Dispute,
    Grade,
    GradeState,
    Review,
    ReviewAllocation,
    ReviewerRecord,
    ReviewScore,
    Rubric,
    Submission,
    SubmissionVersion,
    UsefulnessRating,
)
from ..rules import PARTICIPANT_ROLES
from .serializers import (
    AllocationDetailSerializer,
    AllocationSerializer,
    AssignmentCreateSerializer,
    AssignmentSerializer,
    AssignmentSettingsInputSerializer,
    CalibrationAttemptCreateSerializer,
    CalibrationAttemptSerializer,
    CalibrationExampleCreateSerializer,
    CalibrationExampleSerializer,
    CheckpointResolveSerializer,
    CheckpointSerializer,
    DashboardSerializer,
    DisputeCreateSerializer,
    DisputeResolveSerializer,
    DisputeSerializer,
    ExampleScoreInputSerializer,
    GradeRowSerializer,
    GradeSerializer,
    RateInputSerializer,
    ReviewInputSerializer,
    ReviewSerializer,
    RubricInputSerializer,
    RubricSerializer,
    SubmissionCreateSerializer,
    SubmissionDetailSerializer,
    SubmissionJsonInputSerializer,
    SubmissionSerializer,
    SubmissionVersionSerializer,
    UsefulnessSerializer,
    levels_dict,
)

# --- the policy, asked about the right object ------------------------------------------


class PolicyTargetPermission(PolicyObjectPermission):
    """Rules about running an assignment are asked of the assignment a checkpoint,
    example or regrade request belongs to. An `object_permissions` value is a
    permission, or (permission, object -> target)."""

    def has_object_permission(self, request, view, obj) -> bool:
        required = getattr(view, "object_permissions", {}).get(view.action)
        if required is None:
            return True
        permission, target = required if isinstance(required, tuple) else (required, None)
        return policy.allows(request.user, permission, target(obj) if target else obj)


class PeerReviewViewSetMixin(ScopedViewSetMixin):
    permission_classes = [permissions.IsAuthenticated, PolicyTargetPermission]
    # Levels and criteria are nested lists, which only JSON carries (submissions take files too).
    parser_classes = [JSONParser]

    def input(self, serializer_class, **kwargs) -> dict:
        """The request body checked by `serializer_class`, whose related fields offer
        only what the caller may see."""
        return self.validated(serializer_class, context=self.get_serializer_context(), **kwargs)


def _assignment_of_example(example: CalibrationExample) -> Assignment:
    return example.assignment


def _assignment_of_case(case: Checkpoint | Dispute) -> Assignment:
    return case.submission.assignment


LEVELS_EXAMPLE = [{"criterion": 11, "level": 2, "comment": "Easy to follow."},
                  {"criterion": 12, "level": 1, "comment": "One source; add a second."}]

# --- rubrics ----------------------------------------------------------------------------

RUBRIC_EXAMPLE = {
    "title": "Proposal rubric",
    "description": "For one-page change proposals.",
    "criteria": [
        {"title": "Clarity", "weight": 1, "comment_prompt": "Where did you get lost?",
         "levels": [{"points": 0, "descriptor": "Hard to follow"},
                    {"points": 1, "descriptor": "Mostly clear"}, {"points": 2, "descriptor": "Clear"}]},
        {"title": "Evidence", "weight": 2,
         "levels": [{"points": 0, "descriptor": "None"}, {"points": 2, "descriptor": "Some"},
                    {"points": 4, "descriptor": "Strong"}]},
    ],
}
EDIT_DESCRIPTION = (
    "A rubric used by a published assignment is frozen: the edit leaves it as it is and becomes the next "
    "version of the rubric (same `family`), answered with 201 and the new version. A rubric that is not "
    "frozen changes in place, answered with 200. A new version is a draft: publish it to use it.")


@extend_schema_view(
    list=extend_schema(summary="Rubrics I may see, with their criteria and levels",
                       description="Builders (HR admins, facilitators, experts) see the organisation's "
                                   "rubrics; learners the published rubrics of their cohorts' assignments. "
                                   "Filter by `family` for every version of one rubric."),
    retrieve=extend_schema(summary="One rubric version with its criteria and levels"),
    create=extend_schema(
        summary="Create a draft rubric (HR admins, facilitators, experts)",
        request=RubricInputSerializer, responses={201: RubricSerializer},
        examples=[OpenApiExample("Two criteria", request_only=True, value=RUBRIC_EXAMPLE)]),
    update=extend_schema(
        summary="Replace a rubric's title, description and criteria", description=EDIT_DESCRIPTION,
        request=RubricInputSerializer,
        responses={200: OpenApiResponse(RubricSerializer, description="Changed in place."),
                   201: OpenApiResponse(RubricSerializer, description="Frozen: this is the new version.")}),
    partial_update=extend_schema(
        summary="Change part of a rubric", description=EDIT_DESCRIPTION + " Criteria, when given, replace "
                                                                          "all of the rubric's criteria.",
        request=RubricInputSerializer,
        responses={200: OpenApiResponse(RubricSerializer, description="Changed in place."),
                   201: OpenApiResponse(RubricSerializer, description="Frozen: this is the new version.")}),
)
class RubricViewSet(
    PeerReviewViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    base_queryset = Rubric.objects.all()
    serializer_class = RubricSerializer
    object_permissions = dict.fromkeys(("update", "partial_update", "publish"), "rubric.manage")
    filterset_fields = ["state", "family"]
    ordering_fields = ["title", "version", "created_at"]
    ordering = ["title", "-version", "id"]

    def get_queryset(self):
        return super().get_queryset().prefetch_related("criteria__levels")

    def _read(self, rubric: Rubric) -> dict:
        return RubricSerializer(self.get_queryset().get(pk=rubric.pk)).data

    def create(self, request, *args, **kwargs):
        data = self.input(RubricInputSerializer)
        rubric = services.rubric_create(actor=request.user, title=data["title"], criteria=data["criteria"],
                                        description=data["description"])
        return Response(self._read(rubric), status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        rubric = self.get_object()
        partial = kwargs.get("partial", False)
        data = self.input(RubricInputSerializer, partial=partial)
        result = services.rubric_update(
            actor=request.user, rubric=rubric, title=data.get("title", rubric.title),
            description=data.get("description", rubric.description),
            criteria=data["criteria"] if "criteria" in data else services.rubric_criteria_data(rubric))
        created = result.pk != rubric.pk
        return Response(self._read(result), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    @extend_schema(summary="Publish a rubric so assignments may use it (HR admins, facilitators, experts)",
                   request=None, responses=RubricSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        rubric = services.rubric_publish(actor=request.user, rubric=self.get_object())
        return Response(self._read(rubric))


# --- assignments ------------------------------------------------------------------------


def _alpha(rows: dict[int, dict], units: list) -> float | None:
    """Krippendorff's ordinal alpha of {reviewer: {unit: level}}; None where it is not
    defined (fewer than two reviewers on any unit, or a single level used throughout)."""
    data = [[levels.get(unit) for unit in units] for levels in rows.values()]
    try:
        alpha = krippendorff_alpha_ordinal(data)
    except ValueError:
        return None
    return None if math.isnan(alpha) else round(alpha, 4)


def assignment_agreement(assignment: Assignment) -> dict:
    """How far the peer reviewers agree: alpha per criterion (units: submissions) and
    overall (units: each criterion of each submission), over submitted peer reviews."""
    by_criterion: dict[int, dict[int, dict]] = defaultdict(lambda: defaultdict(dict))
    overall: dict[int, dict] = defaultdict(dict)
    for reviewer_id, submission_id, criterion_id, level in ReviewScore.objects.filter(
        review__submission__assignment=assignment, review__is_self=False
    ).values_list("review__reviewer_id", "review__submission_id", "criterion_id", "level"):
        by_criterion[criterion_id][reviewer_id][submission_id] = level
        overall[reviewer_id][(submission_id, criterion_id)] = level
    criteria = []
    for criterion in assignment.rubric.criteria.all():
        rows = by_criterion.get(criterion.pk, {})
        per_unit = defaultdict(int)
        for levels in rows.values():
            for unit in levels:
                per_unit[unit] += 1
        units = sorted(per_unit)
        criteria.append({"criterion": criterion.pk, "title": criterion.title,
                         "alpha": _alpha(rows, units) if rows else None,
                         "units": sum(1 for count in per_unit.values() if count >= 2)})
    units = sorted({unit for levels in overall.values() for unit in levels})
    return {"overall": _alpha(overall, units) if overall else None, "criteria": criteria}


def assignment_dashboard(assignment: Assignment) -> dict:
    now = timezone.now()
    peer = Q(is_self=False)
    allocations = ReviewAllocation.objects.filter(assignment=assignment).aggregate(
        allocated=Count("pk", filter=peer & ~Q(state=AllocationState.WITHDRAWN)),
        reviews_submitted=Count("pk", filter=peer & Q(state=AllocationState.SUBMITTED)),
        reviews_outstanding=Count("pk", filter=peer & Q(state=AllocationState.ASSIGNED)),
        reviews_overdue=Count("pk", filter=peer & Q(state=AllocationState.ASSIGNED, due_at__lt=now)),
        reviews_withdrawn=Count("pk", filter=peer & Q(state=AllocationState.WITHDRAWN)),
        self_assessments=Count("pk", filter=Q(is_self=True, state=AllocationState.SUBMITTED)),
    )
    submissions = Submission.objects.filter(assignment=assignment).aggregate(
        submissions=Count("pk"), late_submissions=Count("pk", filter=Q(late=True)))
    grades = Grade.objects.filter(submission__assignment=assignment).aggregate(
        grades_final=Count("pk", filter=Q(state=GradeState.FINAL)),
        grades_waiting_for_expert=Count("pk", filter=Q(state=GradeState.CHECKPOINT)))
    of_assignment = Q(submission__assignment=assignment)
    counts = {
        "participants": CohortMembership.objects.filter(cohort_id=assignment.cohort_id,
                                                        role__in=PARTICIPANT_ROLES).count(),
        **submissions,
        "calibrated": ReviewerRecord.objects.filter(assignment=assignment,
                                                    calibrated_at__isnull=False).count(),
        **allocations,
        **grades,
        "open_checkpoints": Checkpoint.objects.filter(of_assignment, state=CaseState.OPEN).count(),
        "open_disputes": Dispute.objects.filter(of_assignment, state=CaseState.OPEN).count(),
        "usefulness_ratings": UsefulnessRating.objects.filter(
            review__submission__assignment=assignment).count(),
    }
    return {"assignment": assignment.pk, "state": assignment.state, "revision": assignment.revision,
            "counts": counts, "agreement": assignment_agreement(assignment)}


def assignment_grade_rows(assignment: Assignment) -> list[dict]:
    submissions = (
        Submission.objects.filter(assignment=assignment)
        .select_related("author", "grade")
        .prefetch_related("grade__criteria")
        .annotate(reviews_received=Count("reviews", filter=Q(reviews__is_self=False)))
        .order_by("author__full_name", "author__email", "pk")
    )
    rows = []
    for submission in submissions:
        try:
            grade = submission.grade
        except Grade.DoesNotExist:
            grade = None
        rows.append({
            "submission": submission.pk, "author": submission.author_id,
            "author_name": submission.author.display_name, "late": submission.late,
            "version": submission.version, "reviews_received": submission.reviews_received,
            "state": grade.state if grade else None, "points": grade.points if grade else None,
            "max_points": grade.max_points if grade else None,
            "percentage": grade.percentage if grade else None, "method": grade.method if grade else None,
            "levels": {str(row.criterion_id): row.level for row in grade.criteria.all()} if grade else {},
        })
    return rows


ASSIGNMENT_EXAMPLE = {
    "cohort": 1, "rubric": 3, "step": None, "title": "Write a one-page proposal",
    "instructions": "Propose **one** change to how your team works.",
    "submission_opens_at": "2027-03-01T09:00:00+01:00", "submission_due_at": "2027-03-08T17:00:00+01:00",
    "review_due_at": "2027-03-15T17:00:00+01:00", "reviews_per_submission": 3, "review_hours": 48,
    "anonymous_reviews": True, "self_assessment": False, "calibration_examples": 1, "outside_squad": False,
    "spread_threshold": 1.0,
}


class AssignmentFilter(django_filters.FilterSet):
    class Meta:
        model = Assignment
        fields = ["cohort", "state", "step", "rubric"]


@extend_schema_view(
    list=extend_schema(summary="Peer review assignments of my cohorts",
                       description="Learners see published assignments; staff their drafts too."),
    retrieve=extend_schema(summary="One assignment with its windows and settings"),
    create=extend_schema(
        summary="Create a draft assignment (facilitators of the cohort, HR admins)",
        description="Reviews open when submissions close and end at `review_due_at`; late work is "
                    "accepted until then. With a `step`, an empty title and instructions come from it.",
        request=AssignmentCreateSerializer, responses={201: AssignmentSerializer},
        examples=[OpenApiExample("Three reviews each", request_only=True, value=ASSIGNMENT_EXAMPLE)]),
    partial_update=extend_schema(
        summary="Edit an assignment (facilitators of the cohort, HR admins)",
        description="A draft changes freely. Once published only the title and instructions may change "
                    "and the windows be extended; anything else is refused with a field message.",
        request=AssignmentSettingsInputSerializer, responses=AssignmentSerializer,
        examples=[OpenApiExample("Extend the review window", request_only=True,
                                 value={"review_due_at": "2027-03-18T17:00:00+01:00"})]),
)
class AssignmentViewSet(
    PeerReviewViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    base_queryset = Assignment.objects.all()
    serializer_class = AssignmentSerializer
    object_permissions = {"partial_update": "assignment.manage", "publish": "assignment.manage",
                          "dashboard": "assignment.dashboard", "grades": "assignment.dashboard"}
    filterset_class = AssignmentFilter
    ordering_fields = ["submission_due_at", "review_due_at", "created_at", "title"]
    ordering = ["-submission_due_at", "id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return super().get_queryset().select_related("rubric", "cohort")

    def _read(self, assignment: Assignment) -> dict:
        return AssignmentSerializer(self.get_queryset().get(pk=assignment.pk)).data

    def create(self, request, *args, **kwargs):
        data = self.input(AssignmentCreateSerializer)
        cohort, rubric, step = data.pop("cohort"), data.pop("rubric"), data.pop("step")
        assignment = services.assignment_create(actor=request.user, cohort=cohort, rubric=rubric, step=step,
                                                **data)
        return Response(self._read(assignment), status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        assignment = self.get_object()
        data = self.input(AssignmentSettingsInputSerializer, partial=True)
        assignment = services.assignment_update(actor=request.user, assignment=assignment,
                                                rubric=data.pop("rubric", None), **data)
        return Response(self._read(assignment))

    @extend_schema(
        summary="Publish an assignment: learners may submit, and its rubric version is frozen",
        description="Refused with a field message while the rubric is a draft, fewer calibration examples "
                    "than `calibration_examples` have every criterion scored by an expert, or the review "
                    "window has ended.",
        request=None, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        assignment = services.assignment_publish(actor=request.user, assignment=self.get_object())
        return Response(self._read(assignment))

    @extend_schema(
        summary="How the assignment is going: counts and reviewer agreement (staff, HR admins, analysts)",
        description="Agreement is Krippendorff's alpha with the ordinal metric over the submitted peer "
                    "reviews (self-assessments left out): per criterion, with submissions as units, and "
                    "overall, with each criterion of each submission as a unit.",
        responses=DashboardSerializer)
    @action(detail=True, methods=["get"], filter_backends=[])
    def dashboard(self, request, pk=None):
        assignment = self.get_object()
        return Response(DashboardSerializer(assignment_dashboard(assignment)).data)

    @extend_schema(summary="The grade sheet: one row per submission (staff, HR admins, analysts)",
                   responses=GradeRowSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def grades(self, request, pk=None):
        assignment = self.get_object()
        return Response(GradeRowSerializer(assignment_grade_rows(assignment), many=True).data)


# --- calibration ------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Calibration examples of assignments I may see",
                       description="Learners read each example; the expert's levels and explanations "
                                   "appear once they have calibrated on it. Staff always see them."),
    retrieve=extend_schema(summary="One calibration example"),
    create=extend_schema(
        summary="Add a calibration example (the cohort's facilitators and experts, HR admins)",
        request=CalibrationExampleCreateSerializer, responses={201: CalibrationExampleSerializer},
        examples=[OpenApiExample("A sample", request_only=True, value={
            "assignment": 4, "title": "A strong proposal", "body": "We should move stand-ups to **Tuesdays**."
        })]),
)
class CalibrationExampleViewSet(
    PeerReviewViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    base_queryset = CalibrationExample.objects.all()
    serializer_class = CalibrationExampleSerializer
    object_permissions = {"score": ("assignment.expert", _assignment_of_example)}
    filterset_fields = ["assignment"]
    ordering_fields = ["order", "created_at"]
    ordering = ["assignment", "order", "id"]

    def get_queryset(self):
        mine = CalibrationAttempt.objects.filter(learner_id=self.request.user.pk).only("id", "example_id")
        return super().get_queryset().select_related("assignment__cohort").prefetch_related(
            "expert_scores", Prefetch("attempts", queryset=mine, to_attr="my_attempts"))

    def _read(self, example: CalibrationExample) -> dict:
        return CalibrationExampleSerializer(self.get_queryset().get(pk=example.pk),
                                            context=self.get_serializer_context()).data

    def create(self, request, *args, **kwargs):
        data = self.input(CalibrationExampleCreateSerializer)
        example = services.example_create(actor=request.user, assignment=data["assignment"],
                                          title=data["title"], body=data["body"])
        return Response(self._read(example), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Set the expert's reference levels (the cohort's facilitators and experts, HR admins)",
        description="Every criterion needs a level. Fixed once a learner has calibrated on the example.",
        request=ExampleScoreInputSerializer, responses=CalibrationExampleSerializer,
        examples=[OpenApiExample("Two criteria", request_only=True, value={"scores": [
            {"criterion": 11, "level": 2, "explanation": "Clear, if long."},
            {"criterion": 12, "level": 1, "explanation": "A single source."}]})])
    @action(detail=True, methods=["post"])
    def score(self, request, pk=None):
        example = self.get_object()
        data = self.input(ExampleScoreInputSerializer)
        services.example_score(actor=request.user, example=example,
                               scores=levels_dict(data["scores"], "explanation"))
        return Response(self._read(example))


class CalibrationAttemptFilter(django_filters.FilterSet):
    assignment = django_filters.ModelChoiceFilter(field_name="example__assignment",
                                                  queryset=Assignment.objects.all())

    class Meta:
        model = CalibrationAttempt
        fields = ["example", "assignment"]


ACCURACY_DEFINITION = (
    "Calibration accuracy: for each criterion, how many levels apart you and the expert are, divided by the "
    "largest possible gap on that criterion (its number of levels minus one); accuracy is 1 minus the "
    "average of those fractions. Matching the expert everywhere gives 1.")


@extend_schema_view(
    list=extend_schema(summary="My calibration attempts, each compared with the expert",
                       description=ACCURACY_DEFINITION),
    retrieve=extend_schema(summary="One of my calibration attempts"),
    create=extend_schema(
        summary="Calibrate: score an example and compare with the expert (learners, peer mentors)",
        description="Once per example. Peer reviewing opens after the assignment's calibration examples. "
                    + ACCURACY_DEFINITION,
        request=CalibrationAttemptCreateSerializer, responses={201: CalibrationAttemptSerializer},
        examples=[OpenApiExample("Two criteria", request_only=True, value={
            "example": 7, "levels": [{"criterion": 11, "level": 2}, {"criterion": 12, "level": 1}]})]),
)
class CalibrationAttemptViewSet(
    PeerReviewViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = CalibrationAttemptSerializer
    filterset_class = CalibrationAttemptFilter
    ordering_fields = ["created_at", "accuracy"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        user = self.request.user
        examples = policy.scope(user, CalibrationExample.objects.all())
        return (CalibrationAttempt.objects.filter(learner_id=user.pk, example__in=examples)
                .select_related("example").prefetch_related("example__expert_scores"))

    def create(self, request, *args, **kwargs):
        data = self.input(CalibrationAttemptCreateSerializer)
        attempt = services.calibration_submit(actor=request.user, example=data["example"],
                                              levels=levels_dict(data["levels"]))
        return Response(CalibrationAttemptSerializer(self.get_queryset().get(pk=attempt.pk)).data,
                        status=status.HTTP_201_CREATED)


# --- submissions ------------------------------------------------------------------------


class SubmissionFilter(django_filters.FilterSet):
    mine = django_filters.BooleanFilter(method="filter_mine",
                                        label="true: my own submissions; false: the others I may read")

    class Meta:
        model = Submission
        fields = ["assignment", "late", "mine"]

    def filter_mine(self, queryset, name, value):
        user = self.request.user
        return queryset.filter(author_id=user.pk) if value else queryset.exclude(author_id=user.pk)


@extend_schema_view(
    list=extend_schema(summary="Submissions I may read",
                       description="My own, those allocated to me for review, and (staff) every "
                                   "submission of their cohorts. Where reviews are anonymous, a reviewer "
                                   "does not see the author."),
    retrieve=extend_schema(summary="One submission: its current version, attachments and version list",
                           responses=SubmissionDetailSerializer),
    create=extend_schema(
        summary="Submit, or resubmit as a new version (learners, peer mentors)",
        description="JSON for text only; multipart to attach files (`attachments`, repeated). A "
                    "resubmission keeps earlier versions and carries the attachments over except those in "
                    "`remove_attachments`. Work after the submission window is accepted once, as late, until "
                    "the review window ends.",
        request={"application/json": SubmissionJsonInputSerializer,
                 "multipart/form-data": SubmissionCreateSerializer},
        responses={201: SubmissionDetailSerializer},
        examples=[OpenApiExample("Text only", request_only=True, media_type="application/json", value={
            "assignment": 4, "body": "## Proposal\nMove stand-ups to Tuesdays, because ..."})]),
)
class SubmissionViewSet(
    PeerReviewViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    base_queryset = Submission.objects.all()
    serializer_class = SubmissionSerializer
    filterset_class = SubmissionFilter
    parser_classes = [JSONParser, MultiPartParser]
    ordering_fields = ["created_at", "updated_at"]
    ordering = ["-updated_at", "-id"]

    def get_queryset(self):
        submissions = super().get_queryset().select_related("assignment__cohort", "author")
        if self.action != "list":
            submissions = submissions.prefetch_related("versions__attachments")
        return submissions

    def get_serializer_class(self):
        return SubmissionSerializer if self.action == "list" else SubmissionDetailSerializer

    def create(self, request, *args, **kwargs):
        data = self.input(SubmissionCreateSerializer)
        submission = services.submission_save(
            actor=request.user, assignment=data["assignment"], body=data["body"],
            attachments=data["attachments"], remove_attachment_ids=data["remove_attachments"])
        return Response(SubmissionDetailSerializer(self.get_queryset().get(pk=submission.pk),
                                                   context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(summary="Every version of a submission, newest first, with its text and attachments",
                   responses=SubmissionVersionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def versions(self, request, pk=None):
        submission = self.get_object()
        versions = SubmissionVersion.objects.filter(submission=submission).prefetch_related("attachments")
        return Response(SubmissionVersionSerializer(versions.order_by("-number"), many=True,
                                                    context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Download one attachment of a submission",
        description="The file as uploaded, with its content type and name (Content-Disposition: "
                    "attachment). Every version's attachments are listed with their `download_url`.",
        parameters=[OpenApiParameter("attachment_id", int, OpenApiParameter.PATH)],
        responses={(200, "*/*"): OpenApiTypes.BINARY,
                   404: OpenApiResponse(description="No such submission, or no such file of it.")})
    @action(detail=True, methods=["get"], url_path=r"attachments/(?P<attachment_id>[0-9]+)",
            pagination_class=None, filter_backends=[])
    def attachment(self, request, pk=None, attachment_id=None):
        submission = self.get_object()
        found = selectors.attachment_get(request.user, int(attachment_id))
        if found.version.submission_id != submission.pk:
            raise NotFound("No such file.")
        return FileResponse(found.file.open("rb"), as_attachment=True, filename=found.name,
                            content_type=found.content_type)


# --- allocations ------------------------------------------------------------------------


class AllocationFilter(django_filters.FilterSet):
    mine = django_filters.BooleanFilter(
        method="filter_mine",
        label="true (the default): only reviews allocated to me; false: every allocation I may see (staff: "
              "all of their cohorts')")
    state = django_filters.ChoiceFilter(
        choices=AllocationState.choices,
        label="Without it, my own list shows what is still to do (assigned); with mine=false, every state")

    class Meta:
        model = ReviewAllocation
        fields = ["assignment", "state", "is_self", "mine"]

    def filter_queryset(self, queryset):
        # Defaults a plain filter cannot express: an empty query is my to-do list.
        mine = self.form.cleaned_data.get("mine")
        if mine is None or mine:
            queryset = queryset.filter(reviewer_id=self.request.user.pk)
            if not self.form.cleaned_data.get("state"):
                queryset = queryset.filter(state=AllocationState.ASSIGNED)
        return super().filter_queryset(queryset)

    def filter_mine(self, queryset, name, value):
        return queryset  # applied in filter_queryset, with its default


@extend_schema_view(
    list=extend_schema(summary="Reviews allocated: by default, my to-do list",
                       description="Without filters: the reviews allocated to me still to do, soonest due "
                                   "first. `state` for other states; `mine=false` for every allocation I may "
                                   "see (staff: all of their cohorts')."),
    retrieve=extend_schema(summary="One allocated review, with the work to review",
                           description="The submission's current version; its author stays hidden where "
                                       "reviews are anonymous.",
                           responses=AllocationDetailSerializer),
)
class AllocationViewSet(PeerReviewViewSetMixin, viewsets.ReadOnlyModelViewSet):
    base_queryset = ReviewAllocation.objects.all()
    serializer_class = AllocationSerializer
    filterset_class = AllocationFilter
    ordering_fields = ["due_at", "allocated_at"]
    ordering = ["due_at", "id"]

    def get_queryset(self):
        allocations = super().get_queryset().select_related("review")
        if self.action != "list":
            allocations = allocations.select_related(
                "assignment", "submission__assignment__cohort", "submission__author",
            ).prefetch_related("submission__versions__attachments")
        return allocations

    def get_serializer_class(self):
        return AllocationSerializer if self.action == "list" else AllocationDetailSerializer

    def filter_queryset(self, queryset):
        # The list's default (my to-do list) must not hide one allocation from its own page.
        return queryset if self.detail else super().filter_queryset(queryset)

    @extend_schema(
        summary="Submit the review of an allocated submission (the reviewer)",
        description="A level for every criterion, with optional comments, and an overall comment (needed "
                    "for a peer review). Peer reviews open after calibrating; a review past its due time "
                    "may have moved to someone else.",
        request=ReviewInputSerializer, responses={201: ReviewSerializer},
        examples=[OpenApiExample("A review", request_only=True, value={
            "levels": LEVELS_EXAMPLE, "comment": "Clear proposal; one more source would convince me."})])
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        allocation = self.get_object()
        data = self.input(ReviewInputSerializer)
        review = services.review_submit(actor=request.user, allocation=allocation,
                                        levels=levels_dict(data["levels"], "comment"),
                                        comment=data["comment"])
        return Response(ReviewSerializer(_reviews(request.user).get(pk=review.pk),
                                         context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)


# --- reviews ----------------------------------------------------------------------------


def _reviews(user):
    return (policy.scope(user, Review.objects.all())
            .select_related("submission__assignment__cohort", "reviewer", "usefulness")
            .prefetch_related("scores"))


class ReviewFilter(django_filters.FilterSet):
    assignment = django_filters.ModelChoiceFilter(field_name="submission__assignment",
                                                  queryset=Assignment.objects.all())
    mine = django_filters.BooleanFilter(method="filter_mine",
                                        label="true: reviews I wrote; false: reviews of my work")

    class Meta:
        model = Review
        fields = ["submission", "assignment", "is_self", "mine"]

    def filter_mine(self, queryset, name, value):
        user = self.request.user
        if value:
            return queryset.filter(reviewer_id=user.pk)
        return queryset.filter(submission__author_id=user.pk)


@extend_schema_view(
    list=extend_schema(summary="Reviews I may read",
                       description="The reviews of my work (the reviewer hidden where reviews are "
                                   "anonymous), those I wrote, and (staff) every review of their cohorts."),
    retrieve=extend_schema(summary="One review with its levels and comments"),
)
class ReviewViewSet(PeerReviewViewSetMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = ReviewSerializer
    filterset_class = ReviewFilter
    ordering_fields = ["submitted_at"]
    ordering = ["-submitted_at", "-id"]

    def get_queryset(self):
        return _reviews(self.request.user)

    @extend_schema(
        summary="Rate how useful a review of my work was (the author)",
        description="1 (not useful) to 5 (very useful); rating again replaces the earlier rating. Ratings "
                    "count toward the reviewer's weight in later assignments.",
        request=RateInputSerializer, responses=UsefulnessSerializer,
        examples=[OpenApiExample("Useful", request_only=True,
                                 value={"rating": 5, "comment": "The second source tip helped."})])
    @action(detail=True, methods=["post"])
    def rate(self, request, pk=None):
        review = self.get_object()
        data = self.input(RateInputSerializer)
        rated = services.usefulness_rate(actor=request.user, review=review, rating=data["rating"],
                                         comment=data["comment"])
        return Response(UsefulnessSerializer(rated).data)


# --- grades -----------------------------------------------------------------------------


class CaseFilter(django_filters.FilterSet):
    assignment = django_filters.ModelChoiceFilter(field_name="submission__assignment",
                                                  queryset=Assignment.objects.all())


class GradeFilter(CaseFilter):
    class Meta:
        model = Grade
        fields = ["submission", "assignment", "state"]


@extend_schema_view(
    list=extend_schema(summary="Grades: my own, and (staff) those of my cohorts",
                       description="Per criterion: the final level, the peers' level and how far they "
                                   "disagreed, and an expert's reason where one changed it. "
                                   "`method_explanation` says how peer grades are worked out."),
    retrieve=extend_schema(summary="One grade with its criteria"),
)
class GradeViewSet(PeerReviewViewSetMixin, viewsets.ReadOnlyModelViewSet):
    base_queryset = Grade.objects.all()
    serializer_class = GradeSerializer
    filterset_class = GradeFilter
    ordering_fields = ["computed_at", "finalised_at", "percentage"]
    ordering = ["-computed_at", "-id"]

    def get_queryset(self):
        return super().get_queryset().select_related("submission").prefetch_related("criteria")


# --- checkpoints ------------------------------------------------------------------------


class CheckpointFilter(CaseFilter):
    class Meta:
        model = Checkpoint
        fields = ["submission", "assignment", "state"]


@extend_schema_view(
    list=extend_schema(summary="Expert checkpoints: submissions an expert grades",
                       description="Where reviewers disagreed beyond the assignment's threshold, or too "
                                   "few reviews arrived. Staff see their cohorts'; an author those on their "
                                   "own work."),
    retrieve=extend_schema(summary="One checkpoint with the peers' grade so far"),
)
class CheckpointViewSet(PeerReviewViewSetMixin, viewsets.ReadOnlyModelViewSet):
    base_queryset = Checkpoint.objects.all()
    serializer_class = CheckpointSerializer
    object_permissions = {"resolve": ("assignment.expert", _assignment_of_case)}
    filterset_class = CheckpointFilter
    ordering_fields = ["created_at", "resolved_at"]
    ordering = ["created_at", "id"]

    def get_queryset(self):
        return (super().get_queryset().select_related("submission__assignment__cohort", "submission__grade")
                .prefetch_related("submission__grade__criteria"))

    @extend_schema(
        summary="Resolve a checkpoint: the expert sets every criterion's final level",
        description="The cohort's facilitators and experts, HR admins. A reason is needed wherever a level "
                    "departs from the peers' (or there were none): per criterion, or `reason` for all. The "
                    "learner sees the levels and reasons.",
        request=CheckpointResolveSerializer, responses=GradeSerializer,
        examples=[OpenApiExample("With a reason", request_only=True, value={
            "levels": [{"criterion": 11, "level": 2, "reason": ""},
                       {"criterion": 12, "level": 1, "reason": "One source, as two reviewers said."}],
            "reason": "Read it twice."})])
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        checkpoint = self.get_object()
        data = self.input(CheckpointResolveSerializer)
        grade = services.checkpoint_resolve(actor=request.user, checkpoint=checkpoint,
                                            levels=levels_dict(data["levels"], "reason"),
                                            reason=data["reason"])
        grade = Grade.objects.select_related("submission").prefetch_related("criteria").get(pk=grade.pk)
        return Response(GradeSerializer(grade).data)


# --- regrade requests -------------------------------------------------------------------


class DisputeFilter(CaseFilter):
    class Meta:
        model = Dispute
        fields = ["submission", "assignment", "state", "outcome"]


@extend_schema_view(
    list=extend_schema(summary="Regrade requests: my own, and (staff) those of my cohorts"),
    retrieve=extend_schema(summary="One regrade request"),
    create=extend_schema(
        summary="Ask for my final grade to be looked at again (the author)",
        description="Once the grade is final, one open request at a time; say which criterion and why.",
        request=DisputeCreateSerializer, responses={201: DisputeSerializer},
        examples=[OpenApiExample("A request", request_only=True, value={
            "submission": 21, "reason": "The evidence criterion ignores the two studies I cited."})]),
)
class DisputeViewSet(
    PeerReviewViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    base_queryset = Dispute.objects.all()
    serializer_class = DisputeSerializer
    object_permissions = {"resolve": ("assignment.expert", _assignment_of_case)}
    filterset_class = DisputeFilter
    ordering_fields = ["created_at", "resolved_at"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return super().get_queryset().select_related("submission__assignment__cohort")

    def create(self, request, *args, **kwargs):
        data = self.input(DisputeCreateSerializer)
        dispute = services.dispute_open(actor=request.user, submission=data["submission"],
                                        reason=data["reason"])
        return Response(DisputeSerializer(self.get_queryset().get(pk=dispute.pk)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Answer a regrade request (the cohort's facilitators and experts, HR admins)",
        description="`upheld`: the grade stands. `regraded`: `levels` (every criterion) replace it; the "
                    "response is the reason the learner reads.",
        request=DisputeResolveSerializer, responses=DisputeSerializer,
        examples=[OpenApiExample("Regraded", request_only=True, value={
            "outcome": "regraded", "response": "You did cite two studies.",
            "levels": [{"criterion": 11, "level": 2}, {"criterion": 12, "level": 2}]})])
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        dispute = self.get_object()
        data = self.input(DisputeResolveSerializer)
        services.dispute_resolve(actor=request.user, dispute=dispute, outcome=data["outcome"],
                                 response=data["response"],
                                 levels=levels_dict(data["levels"], "reason") or None)
        return Response(DisputeSerializer(self.get_queryset().get(pk=dispute.pk)).data)
