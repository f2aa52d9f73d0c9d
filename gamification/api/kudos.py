"""Kudos through the REST API: the kudos I may see (my cohorts' public thanks; HR
admins and analysts the organisation's), and sending one. The service decides the
rules (members of the same cohort, not oneself, plain text, rate limits); its
messages come back as a 400 with field messages."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from cohorts.models import Cohort, User
from core.api.viewsets import ScopedViewSetMixin, scope_related_fields

from .. import services
from ..models import Kudos
from ..services.kudos import KUDOS_MAX_LENGTH, KUDOS_PER_RECIPIENT_LIMIT, KUDOS_PER_SENDER_LIMIT


class KudosSerializer(serializers.ModelSerializer):
    sender_name = serializers.CharField(source="sender.display_name", read_only=True)
    recipient_name = serializers.CharField(source="recipient.display_name", read_only=True)

    class Meta:
        model = Kudos
        fields = ["id", "cohort", "sender", "sender_name", "recipient", "recipient_name", "message",
                  "created_at"]
        read_only_fields = fields


class KudosGiveSerializer(serializers.Serializer):
    cohort = serializers.PrimaryKeyRelatedField(queryset=Cohort.objects.all(),
                                                help_text="One of my cohorts.")
    recipient = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(),
                                                   help_text="A fellow member of that cohort.")
    # Blank and long messages reach the service, which answers in its own words.
    message = serializers.CharField(allow_blank=True, trim_whitespace=False,
                                    help_text=f"Plain text, 1 to {KUDOS_MAX_LENGTH} characters.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        scope_related_fields(self, cohort=Cohort, recipient=User)


class KudosFilter(django_filters.FilterSet):
    class Meta:
        model = Kudos
        fields = ["recipient", "sender", "cohort"]


@extend_schema_view(
    list=extend_schema(summary="Kudos I may see, newest first",
                       description="Kudos are public thanks: members see their cohorts' kudos (and the ones "
                                   "they sent or received), HR admins and analysts the organisation's. "
                                   "Filter with `recipient`, `sender` or `cohort`."),
    retrieve=extend_schema(summary="One kudos"),
    create=extend_schema(
        summary="Thank a peer of one of my cohorts with a short message",
        description=f"Any member of the cohort may send kudos to another active member. At most "
                    f"{KUDOS_PER_SENDER_LIMIT} kudos per sender in any 24 hours, and "
                    f"{KUDOS_PER_RECIPIENT_LIMIT} to the same person; past a limit the answer is a 400 "
                    "saying when more can be sent. The recipient earns points for it.",
        request=KudosGiveSerializer, responses={201: KudosSerializer},
        examples=[OpenApiExample("Thanks", request_only=True,
                                 value={"cohort": 3, "recipient": 42,
                                        "message": "Your review of my draft was spot on. Thank you!"})],
    ),
)
class KudosViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    base_queryset = Kudos.objects.all()
    serializer_class = KudosSerializer
    filterset_class = KudosFilter
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return super().get_queryset().select_related("sender", "recipient")

    def create(self, request, *args, **kwargs):
        data = self.validated(KudosGiveSerializer, context=self.get_serializer_context())
        kudos = services.kudos_give(actor=request.user, **data)
        return Response(KudosSerializer(self.get_queryset().get(pk=kudos.pk)).data,
                        status=status.HTTP_201_CREATED)
