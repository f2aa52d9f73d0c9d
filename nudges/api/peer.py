"""Learner-to-learner reminders through the REST API, rate-limited by the service."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from cohorts.models import Cohort, User
from core.api.viewsets import scope_related_fields

from .. import services
from ..models import Channel, Message, Topic
from ..services.peer import DAILY_LIMIT, NOTE_MAX


class PeerReminderSerializer(serializers.Serializer):
    cohort = serializers.PrimaryKeyRelatedField(queryset=Cohort.objects.all(), help_text="A cohort we share.")
    recipient = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(),
                                                   help_text="A fellow member of that cohort.")
    # Blank and long notes reach the service, which answers in its own words.
    note = serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=5000,
                                 help_text=f"One line, up to {NOTE_MAX} characters.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        scope_related_fields(self, cohort=Cohort, recipient=User)


class PeerReminderSentSerializer(serializers.Serializer):
    cohort = serializers.IntegerField()
    recipient = serializers.IntegerField()
    group = serializers.CharField(help_text="The reminder's key in the delivery log.")
    channels = serializers.ListField(child=serializers.CharField())


class MyReminderSerializer(serializers.ModelSerializer):
    recipient = serializers.IntegerField(source="user_id", read_only=True)
    recipient_name = serializers.CharField(source="user.display_name", read_only=True)

    class Meta:
        model = Message
        fields = ["id", "group", "cohort", "recipient", "recipient_name", "subject", "state", "created_at"]
        read_only_fields = fields


@extend_schema_view(list=extend_schema(
    summary="The reminders I sent, newest first",
    description="One row per reminder (its email), with what became of it."), create=extend_schema(
    summary="Remind a peer of one of my cohorts",
    description=f"Sent by email and in-app within the recipient's preferences, quiet hours and weekly cap. "
                f"One reminder per recipient a day and {DAILY_LIMIT} a day in all; past a limit the answer "
                "is a 400 saying so.",
    request=PeerReminderSerializer, responses={201: PeerReminderSentSerializer},
    examples=[OpenApiExample("Our review", request_only=True,
                             value={"cohort": 3, "recipient": 42,
                                    "note": "Our review of the case study is due Friday"})]))
class PeerReminderViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated]
    serializer_class = MyReminderSerializer
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        # The sender's own reminders (in their organisation); the rest of the recipients'
        # delivery logs stays theirs.
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return Message.objects.none()
        user = self.request.user
        return Message.objects.filter(sender=user, organization_id=user.organization_id, topic=Topic.PEER,
                                      channel=Channel.EMAIL).select_related("user")

    def create(self, request, *args, **kwargs):
        serializer = PeerReminderSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        messages = services.peer_nudge_send(actor=request.user, cohort=data["cohort"],
                                            recipient=data["recipient"], note=data["note"])
        return Response(PeerReminderSentSerializer({
            "cohort": data["cohort"].pk, "recipient": data["recipient"].pk, "group": messages[0].group,
            "channels": [m.channel for m in messages]}).data, status=status.HTTP_201_CREATED)
