"""The delivery log through the REST API (what was sent to whom, or why not), and the
facilitator's approval queue: approve (optionally edited) or skip proposed nudges."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from cohorts.models import Cohort
from core.api.viewsets import ScopedReadOnlyViewSet

from .. import selectors, services
from ..models import Channel, Message, MessageState, Topic


class MessageSerializer(serializers.ModelSerializer):
    user_name = serializers.CharField(source="user.display_name", read_only=True)
    rule_name = serializers.CharField(source="rule.name", read_only=True, default=None, allow_null=True)

    class Meta:
        model = Message
        fields = ["id", "group", "organization", "cohort", "user", "user_name", "sender", "rule", "rule_name",
                  "topic", "channel", "state", "reason", "subject", "body_text", "link", "not_before",
                  "attempts", "last_error", "created_at", "decided_by", "decided_at", "sent_at"]
        read_only_fields = fields


class EditSerializer(serializers.Serializer):
    subject = serializers.CharField(max_length=200, required=False, allow_blank=True)
    body_text = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class DecisionSerializer(serializers.Serializer):
    groups = serializers.ListField(
        child=serializers.CharField(max_length=200), max_length=500,
        help_text="The `group` of each proposed nudge (all its channels go together).")


class ApproveSerializer(DecisionSerializer):
    edits = serializers.DictField(child=EditSerializer(), required=False,
                                  help_text="New subject and/or message per group, applied before approving.")


class DecidedSerializer(serializers.Serializer):
    decided = serializers.IntegerField(help_text="How many nudges were decided (already decided ones are "
                                                 "left as they are).")


class MessageFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=MessageState.choices)
    topic = django_filters.ChoiceFilter(choices=Topic.choices)
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    cohort = django_filters.ModelChoiceFilter(queryset=Cohort.objects.all())

    class Meta:
        model = Message
        fields = ["state", "topic", "channel", "cohort"]


@extend_schema_view(
    list=extend_schema(summary="The delivery log I may read, newest first",
                       description="My own messages; facilitators the messages of the cohorts they run, HR "
                                   "admins and analysts the organisation's. Filter with `state`, `topic`, "
                                   "`channel` or `cohort`."),
    retrieve=extend_schema(summary="One message"),
)
class MessageViewSet(ScopedReadOnlyViewSet):
    base_queryset = Message.objects.all()
    serializer_class = MessageSerializer
    filterset_class = MessageFilter
    ordering_fields = ["created_at", "sent_at"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return super().get_queryset().select_related("user", "rule")

    def _visible_groups(self, groups: list[str]) -> list[str]:
        """The proposed groups in the caller's queue; others are as if they did not exist."""
        visible = set(selectors.proposals(self.request.user).filter(group__in=groups)
                      .values_list("group", flat=True))
        return [g for g in groups if g in visible]

    @extend_schema(summary="Approve proposed nudges (facilitators of their cohorts, HR admins)",
                   description="Each group is queued for sending in the learner's send window; `edits` "
                               "changes a group's subject or message first.",
                   request=ApproveSerializer, responses=DecidedSerializer,
                   examples=[OpenApiExample("Approve two, one edited", request_only=True, value={
                       "groups": ["rule:4:17:2025-03-02", "rule:4:23:2025-03-02"],
                       "edits": {"rule:4:17:2025-03-02": {"subject": "Your squad misses you"}}})])
    @action(detail=False, methods=["post"])
    def approve(self, request):
        data = self.validated(ApproveSerializer)
        groups = self._visible_groups(data["groups"])
        edits = {g: dict(e) for g, e in (data.get("edits") or {}).items() if g in groups}
        decided = services.proposals_approve(actor=request.user, groups=groups, edits=edits)
        return Response(DecidedSerializer({"decided": decided}).data)

    @extend_schema(summary="Skip proposed nudges: they are not sent", request=DecisionSerializer,
                   responses=DecidedSerializer)
    @action(detail=False, methods=["post"])
    def skip(self, request):
        data = self.validated(DecisionSerializer)
        decided = services.proposals_skip(actor=request.user, groups=self._visible_groups(data["groups"]))
        return Response(DecidedSerializer({"decided": decided}).data)
