"""My nudge preferences through the REST API: a switch per topic and channel (on unless
switched off) and quiet hours in my own timezone."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors, services
from ..models import Channel, Topic

HOUR = {"min_value": 0, "max_value": 23, "allow_null": True}


class SwitchSerializer(serializers.Serializer):
    topic = serializers.ChoiceField(choices=Topic.choices)
    topic_label = serializers.CharField(read_only=True)
    channel = serializers.ChoiceField(choices=Channel.choices)
    enabled = serializers.BooleanField()


class PreferencesSerializer(serializers.Serializer):
    preferences = SwitchSerializer(many=True, help_text="Every topic and channel.")
    quiet_start = serializers.IntegerField(help_text="Local hour quiet hours begin; null: none.", **HOUR)
    quiet_end = serializers.IntegerField(help_text="Local hour quiet hours end; null: none.", **HOUR)


class PreferencesWriteSerializer(serializers.Serializer):
    preferences = SwitchSerializer(
        many=True, required=False, max_length=100,
        help_text="Switches to set; with PUT, topics and channels left out are on.")
    quiet_start = serializers.IntegerField(required=False, **HOUR)
    quiet_end = serializers.IntegerField(required=False, **HOUR)


def _document(user) -> dict:
    prefs = selectors.preferences_of(user)
    return {"preferences": [{"topic": row.topic, "topic_label": row.label, "channel": channel, "enabled": on}
                            for row in prefs.rows for channel, _, on in row.channels],
            "quiet_start": prefs.quiet_start, "quiet_end": prefs.quiet_end}


EXAMPLE = {"preferences": [{"topic": "digest", "channel": "email", "enabled": False}],
           "quiet_start": 21, "quiet_end": 7}


class PreferencesView(APIView):
    """One document per person: no ids, no list to page through."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(summary="My nudge preferences", responses=PreferencesSerializer)
    def get(self, request):
        return Response(PreferencesSerializer(_document(request.user)).data)

    def _save(self, request, *, partial: bool):
        serializer = PreferencesWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        current = selectors.preferences_of(request.user)
        switches = current.switches() if partial else dict.fromkeys(current.switches(), True)
        for item in data.get("preferences", []):
            switches[(item["topic"], item["channel"])] = item["enabled"]
        keep = partial and "quiet_start" not in data and "quiet_end" not in data
        quiet_start = current.quiet_start if keep else data.get("quiet_start")
        quiet_end = current.quiet_end if keep else data.get("quiet_end")
        services.preferences_save(actor=request.user, switches=switches, quiet_start=quiet_start,
                                  quiet_end=quiet_end)
        return Response(PreferencesSerializer(_document(request.user)).data)

    @extend_schema(summary="Replace my nudge preferences", request=PreferencesWriteSerializer,
                   responses=PreferencesSerializer,
                   examples=[OpenApiExample("No digest email, quiet at night", request_only=True,
                                            value=EXAMPLE)])
    def put(self, request):
        return self._save(request, partial=False)

    @extend_schema(summary="Change some of my nudge preferences",
                   description="Switches left out stay as they are; quiet hours change only when given "
                               "(both, or both null).",
                   request=PreferencesWriteSerializer, responses=PreferencesSerializer,
                   examples=[OpenApiExample("No digest email", request_only=True,
                                            value={"preferences": EXAMPLE["preferences"]})])
    def patch(self, request):
        return self._save(request, partial=True)
