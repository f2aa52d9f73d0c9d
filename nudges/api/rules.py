"""Nudge rules through the REST API: facilitators read their cohorts' rules and the
organisation-wide ones, make and change the rules of the cohorts they run, switch
them off, and preview a rule's message for a real learner of its audience."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from cohorts.models import Cohort, Squad
from core.api.viewsets import ScopedViewSetMixin, scope_related_fields
from core.errors import invalid

from .. import selectors, services
from ..models import AudienceRole, Mode, NudgeRule, Trigger

FIELDS = ["name", "trigger", "days", "hours_before", "squad", "role", "subject", "body_text", "body_html",
          "send_email", "send_in_app", "mode", "is_active"]


class NudgeRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = NudgeRule
        fields = ["id", "code", "cohort", *FIELDS, "created_at", "updated_at"]
        read_only_fields = fields


class NudgeRuleWriteSerializer(serializers.Serializer):
    """What a facilitator sets. Blank texts and template errors reach the service, which
    answers in its own words."""

    name = serializers.CharField(max_length=120, allow_blank=True)
    trigger = serializers.ChoiceField(choices=Trigger.choices)
    days = serializers.IntegerField(min_value=1, max_value=90, required=False)
    hours_before = serializers.IntegerField(min_value=1, max_value=168, required=False)
    squad = serializers.PrimaryKeyRelatedField(queryset=Squad.objects.all(), allow_null=True, required=False,
                                               help_text="A squad of the rule's cohort; null: every squad.")
    role = serializers.ChoiceField(choices=AudienceRole.choices, required=False, allow_blank=True)
    subject = serializers.CharField(max_length=200, allow_blank=True, trim_whitespace=False)
    body_text = serializers.CharField(allow_blank=True, trim_whitespace=False,
                                      help_text="Plain text with {{ variables }}.")
    body_html = serializers.CharField(allow_blank=True, trim_whitespace=False, required=False)
    send_email = serializers.BooleanField(required=False)
    send_in_app = serializers.BooleanField(required=False)
    mode = serializers.ChoiceField(choices=Mode.choices, required=False)
    is_active = serializers.BooleanField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        scope_related_fields(self, squad=Squad)


class NudgeRuleCreateSerializer(NudgeRuleWriteSerializer):
    cohort = serializers.PrimaryKeyRelatedField(queryset=Cohort.objects.all(), help_text="A cohort I run.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        scope_related_fields(self, cohort=Cohort)


class PreviewSerializer(serializers.Serializer):
    learner = serializers.CharField(help_text="The learner's name.")
    subject = serializers.CharField()
    body_text = serializers.CharField()
    body_html = serializers.CharField()
    is_due = serializers.BooleanField(help_text="false: not due now, a sample task is shown.")


EXAMPLE = {"cohort": 3, "name": "Nudge quiet members after 5 days", "trigger": "inactive", "days": 5,
           "subject": "{{ cohort }} misses you", "body_text": "Hi {{ first_name }}, ... {{ link }}",
           "send_email": True, "send_in_app": True, "mode": "approval"}


@extend_schema_view(
    list=extend_schema(summary="Nudge rules I may read",
                       description="Facilitators: the rules of the cohorts they run and the "
                                   "organisation-wide ones; HR admins and analysts: all of the "
                                   "organisation's."),
    retrieve=extend_schema(summary="One nudge rule"),
    create=extend_schema(summary="Make a rule for a cohort I run", request=NudgeRuleCreateSerializer,
                         responses={201: NudgeRuleSerializer},
                         examples=[OpenApiExample("Inactive learners", request_only=True, value=EXAMPLE)]),
    update=extend_schema(summary="Change a rule (all fields)", request=NudgeRuleWriteSerializer,
                         responses=NudgeRuleSerializer),
    partial_update=extend_schema(summary="Change some fields of a rule", request=NudgeRuleWriteSerializer,
                                 responses=NudgeRuleSerializer),
    destroy=extend_schema(summary="Switch a rule off",
                          description="The rule stays, inactive, so its delivery log keeps its name; "
                                      "switch it on again with `is_active: true`."),
)
class NudgeRuleViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    base_queryset = NudgeRule.objects.all()
    serializer_class = NudgeRuleSerializer
    filterset_fields = ["cohort", "trigger", "mode", "is_active"]
    object_permissions = {"update": "nudges.rules.manage", "partial_update": "nudges.rules.manage",
                          "destroy": "nudges.rules.manage"}
    ordering_fields = ["name", "updated_at"]
    ordering = ["name", "id"]

    def get_queryset(self):
        return super().get_queryset().select_related("cohort", "squad")

    def _read(self, rule: NudgeRule) -> dict:
        return NudgeRuleSerializer(rule, context=self.get_serializer_context()).data

    def create(self, request, *args, **kwargs):
        data = dict(self.validated(NudgeRuleCreateSerializer, context=self.get_serializer_context()))
        rule = services.rule_create(actor=request.user, **data)
        return Response(self._read(rule), status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        rule = self.get_object()
        serializer = NudgeRuleWriteSerializer(data=request.data, partial=kwargs.get("partial", False),
                                              context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        rule = services.rule_update(actor=request.user, rule=rule, **serializer.validated_data)
        return Response(self._read(rule))

    def destroy(self, request, *args, **kwargs):
        rule = self.get_object()
        services.rule_update(actor=request.user, rule=rule, is_active=False)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary="The rule's message as one learner of its audience would read it",
                   parameters=[OpenApiParameter("learner", int, required=True,
                                                description="A person in the rule's audience, in a cohort "
                                                            "I oversee.")],
                   responses=PreviewSerializer)
    @action(detail=True, methods=["get"])
    def preview(self, request, pk=None):
        rule = self.get_object()
        learner = selectors.rule_learner_get(rule, request.user, request.query_params.get("learner"))
        if learner is None:
            raise invalid(learner="Choose a learner of the rule's audience in a cohort you oversee.")
        return Response(PreviewSerializer(services.rule_preview(rule=rule, learner=learner)).data)
