"""Live sessions through the REST API: the sessions I may see (filter by cohort, or
what is still to come), scheduling, changing and cancelling them (facilitators and HR
admins), answering the invitation, recording attendance, and my invitation as an
iCalendar file. The services decide the rules; their messages come back as a 400
with field messages."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from cohorts.models import Cohort, Squad
from core.api.viewsets import ScopedViewSetMixin, scope_related_fields

from .. import ics, selectors, services
from ..models import MAX_MINUTES, MIN_MINUTES, RsvpResponse, Touchpoint

AGENDA_MAX_LENGTH = 5000


class TouchpointSerializer(serializers.ModelSerializer):
    ends_at = serializers.DateTimeField(read_only=True)
    yes_count = serializers.IntegerField(read_only=True, help_text="People who said yes.")
    maybe_count = serializers.IntegerField(read_only=True)
    no_count = serializers.IntegerField(read_only=True)
    my_response = serializers.ChoiceField(choices=RsvpResponse.choices, read_only=True, allow_null=True,
                                          help_text="My answer; null when I have not answered.")
    url = serializers.CharField(source="get_absolute_url", read_only=True, help_text="The session's page.")
    ics_url = serializers.SerializerMethodField()

    class Meta:
        model = Touchpoint
        fields = ["id", "cohort", "squad", "title", "agenda", "starts_at", "ends_at", "duration_minutes",
                  "join_url", "room", "capacity", "uid", "sequence", "created_by", "cancelled_at",
                  "cancel_reason", "yes_count", "maybe_count", "no_count", "my_response", "url", "ics_url",
                  "created_at", "updated_at"]
        read_only_fields = fields

    def get_ics_url(self, touchpoint: Touchpoint) -> str:
        """My invitation as an iCalendar file (the `ics/` action)."""
        return f"/api/v1/touchpoints/{touchpoint.pk}/ics/"


def _utc(value: dt.datetime) -> dt.datetime:
    """A date-time in UTC, within years the database stores."""
    try:
        utc = value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)
    except (OverflowError, ValueError) as exc:
        raise serializers.ValidationError("Enter a date-time between the years 1900 and 9999.") from exc
    if not 1900 <= utc.year <= 9999:
        raise serializers.ValidationError("Enter a date-time between the years 1900 and 9999.")
    return utc


class TouchpointFieldsSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    agenda = serializers.CharField(required=False, allow_blank=True, max_length=AGENDA_MAX_LENGTH,
                                   help_text="What the session covers; shown in the invitation.")
    starts_at = serializers.DateTimeField(help_text="ISO 8601 with an offset, in the future.")
    duration_minutes = serializers.IntegerField(help_text=f"{MIN_MINUTES} to {MAX_MINUTES}.")
    join_url = serializers.URLField(required=False, allow_blank=True, max_length=500,
                                    help_text="The video call link; give it, a room, or both.")
    room = serializers.CharField(required=False, allow_blank=True, max_length=200)
    capacity = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=100000,
                                        help_text="Places for people who say yes; null for no limit.")

    def validate_starts_at(self, value):
        return _utc(value)


class TouchpointCreateSerializer(TouchpointFieldsSerializer):
    cohort = serializers.PrimaryKeyRelatedField(queryset=Cohort.objects.all(), help_text="The cohort.")
    squad = serializers.PrimaryKeyRelatedField(
        queryset=Squad.objects.all(), required=False, allow_null=True,
        help_text="A squad of the cohort, for a squad-only session; null or absent for the whole cohort.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        scope_related_fields(self, cohort=Cohort, squad=Squad)


class TouchpointUpdateSerializer(TouchpointFieldsSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class CancelSerializer(serializers.Serializer):
    # A blank reason reaches the service, which says why one is needed.
    reason = serializers.CharField(allow_blank=True, max_length=services.CANCEL_REASON_MAX_LENGTH,
                                   help_text="Why; the invitees are told.")


class RsvpSerializer(serializers.Serializer):
    response = serializers.ChoiceField(choices=RsvpResponse.choices)


class AttendanceInputSerializer(serializers.Serializer):
    attended = serializers.ListField(child=serializers.IntegerField(min_value=1), allow_empty=True,
                                     max_length=10000,
                                     help_text="Ids of the invitees who came; every other invitee is absent.")


class AttendanceResultSerializer(serializers.Serializer):
    attended_ids = serializers.ListField(child=serializers.IntegerField())
    absent_ids = serializers.ListField(child=serializers.IntegerField())
    no_show_ids = serializers.ListField(child=serializers.IntegerField(),
                                        help_text="Said yes and did not come.")


class TouchpointFilter(django_filters.FilterSet):
    cohort = django_filters.ModelChoiceFilter(queryset=Cohort.objects.all())
    upcoming = django_filters.BooleanFilter(
        method="filter_upcoming", label="true: sessions still to come or running now; false: those over")

    class Meta:
        model = Touchpoint
        fields = ["cohort", "upcoming"]

    def filter_upcoming(self, queryset, name, value):
        condition = selectors.ends_after(timezone.now())
        return queryset.filter(condition) if value else queryset.exclude(condition)


SESSION_EXAMPLE = {"cohort": 3, "title": "Week 2 check-in", "agenda": "1. Wins\n2. Blockers\n3. Next step",
                   "starts_at": "2027-03-04T15:00:00Z", "duration_minutes": 20,
                   "join_url": "https://meet.example.com/abc-defg", "capacity": 12}


@extend_schema_view(
    list=extend_schema(summary="Live sessions I may see, soonest first",
                       description="Members see their cohorts' sessions (a squad-only session: that squad "
                                   "and the cohort's facilitators and experts); HR admins and analysts the "
                                   "organisation's. Filter with `cohort` and `upcoming`."),
    retrieve=extend_schema(summary="One live session, with the answers so far and mine"),
    create=extend_schema(
        summary="Schedule a live session (facilitators of the cohort, HR admins)",
        description=f"{MIN_MINUTES} to {MAX_MINUTES} minutes, in the future, with a join link or a room. "
                    "Emits `event_scheduled`: every invitee gets an invitation with a calendar file.",
        request=TouchpointCreateSerializer, responses={201: TouchpointSerializer},
        examples=[OpenApiExample("A check-in", request_only=True, value=SESSION_EXAMPLE)]),
    partial_update=extend_schema(
        summary="Change a session that has not started",
        description="A change of time, length, place, title or agenda raises `sequence` and emits "
                    "`event_updated`, so invitees' calendars replace the entry.",
        request=TouchpointUpdateSerializer, responses={200: TouchpointSerializer}),
)
class TouchpointViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    base_queryset = Touchpoint.objects.all()
    serializer_class = TouchpointSerializer
    filterset_class = TouchpointFilter
    object_permissions = {"partial_update": "touchpoint.manage", "cancel": "touchpoint.manage",
                          "attendance": "touchpoint.manage", "rsvp": "touchpoint.rsvp"}
    ordering_fields = ["starts_at", "created_at"]
    ordering = ["starts_at", "id"]

    def get_queryset(self):
        return selectors.touchpoints_visible(self.request.user)

    def _read(self, touchpoint: Touchpoint, code: int = status.HTTP_200_OK) -> Response:
        return Response(TouchpointSerializer(self.get_queryset().get(pk=touchpoint.pk),
                                             context=self.get_serializer_context()).data, status=code)

    def create(self, request, *args, **kwargs):
        data = self.validated(TouchpointCreateSerializer, context=self.get_serializer_context())
        touchpoint = services.touchpoint_schedule(actor=request.user, **data)
        return self._read(touchpoint, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        touchpoint = self.get_object()
        data = self.validated(TouchpointUpdateSerializer)
        touchpoint = services.touchpoint_update(actor=request.user, touchpoint=touchpoint, **data)
        return self._read(touchpoint)

    @extend_schema(summary="Cancel a session that has not started",
                   description="Raises `sequence` and emits `event_cancelled`: invitees get a cancellation "
                               "(METHOD:CANCEL) with the reason.",
                   request=CancelSerializer, responses={200: TouchpointSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        touchpoint = self.get_object()
        data = self.validated(CancelSerializer)
        return self._read(services.touchpoint_cancel(actor=request.user, touchpoint=touchpoint, **data))

    @extend_schema(summary="Answer the invitation: yes, no or maybe (invitees)",
                   description="Until the session starts. A yes needs a free place (a 400 when it is full).",
                   request=RsvpSerializer, responses={200: TouchpointSerializer},
                   examples=[OpenApiExample("Coming", request_only=True, value={"response": "yes"})])
    @action(detail=True, methods=["post"])
    def rsvp(self, request, pk=None):
        touchpoint = self.get_object()
        data = self.validated(RsvpSerializer)
        services.rsvp_set(actor=request.user, touchpoint=touchpoint, **data)
        return self._read(touchpoint)

    @extend_schema(summary="Record who came (facilitators of the cohort, HR admins)",
                   description="Once the session has started. Every invitee not listed is absent; recording "
                               "again replaces the record. Emits `attendance_recorded`.",
                   request=AttendanceInputSerializer, responses={200: AttendanceResultSerializer})
    @action(detail=True, methods=["post"])
    def attendance(self, request, pk=None):
        touchpoint = self.get_object()
        data = self.validated(AttendanceInputSerializer)
        result = services.attendance_record(actor=request.user, touchpoint=touchpoint,
                                            attended_user_ids=data["attended"])
        return Response(AttendanceResultSerializer(result).data)

    @extend_schema(summary="My invitation as an iCalendar file",
                   description="A VCALENDAR with one VEVENT: a stable UID, SEQUENCE, METHOD:REQUEST (CANCEL "
                               "once cancelled); with me as ATTENDEE and my answer as PARTSTAT when I am "
                               "invited.",
                   responses={(200, "text/calendar"): OpenApiTypes.STR,
                              404: OpenApiResponse(description="No such session.")})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def ics(self, request, pk=None):
        touchpoint = self.get_object()
        attendee = request.user if selectors.is_invitee(touchpoint, request.user) else None
        response = HttpResponse(ics.calendar_bytes(touchpoint, attendee),
                                content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{ics.filename(touchpoint)}"'
        return response
