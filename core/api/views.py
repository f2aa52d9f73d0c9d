from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from core import services
from core.models import ApiToken, AuditEntry, Event

from .filters import ApiTokenFilter, AuditEntryFilter, EventFilter
from .serializers import (
    ApiTokenCreatedSerializer,
    ApiTokenSerializer,
    AuditEntrySerializer,
    EventSerializer,
)
from .viewsets import ScopedReadOnlyViewSet, ScopedViewSetMixin


@extend_schema_view(
    list=extend_schema(summary="List domain events you may see",
                       description="HR admins and analysts see the organisation's events; "
                                   "facilitators their cohorts'; everyone their own."),
    retrieve=extend_schema(summary="One domain event"),
)
class EventViewSet(ScopedReadOnlyViewSet):
    base_queryset = Event.objects.all()
    serializer_class = EventSerializer
    filterset_class = EventFilter
    ordering_fields = ["occurred_at", "verb"]
    ordering = ["-occurred_at"]


@extend_schema_view(
    list=extend_schema(summary="The organisation's audit log (HR admins)"),
    retrieve=extend_schema(summary="One audit entry"),
)
class AuditEntryViewSet(ScopedReadOnlyViewSet):
    base_queryset = AuditEntry.objects.all()
    serializer_class = AuditEntrySerializer
    filterset_class = AuditEntryFilter
    ordering_fields = ["created_at", "action"]
    ordering = ["-created_at"]


@extend_schema_view(
    list=extend_schema(summary="Your personal API tokens"),
    retrieve=extend_schema(summary="One of your API tokens"),
    create=extend_schema(summary="Create a token; the key is in this response only",
                         responses={201: ApiTokenCreatedSerializer}),
    destroy=extend_schema(summary="Revoke a token"),
)
class ApiTokenViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    base_queryset = ApiToken.objects.all()
    serializer_class = ApiTokenSerializer
    filterset_class = ApiTokenFilter
    ordering_fields = ["created_at", "name"]
    ordering = ["-created_at"]

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, key = services.api_token_create(actor=request.user,
                                               name=serializer.validated_data["name"])
        token.key = key
        return Response(ApiTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.api_token_revoke(actor=self.request.user, token=instance)
