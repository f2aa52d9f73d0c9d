"""Points through the REST API: ledger entries (my own; staff and analysts see their
cohorts') and a cohort's leaderboards. Read-only: points are written by the event
consumer alone."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from cohorts.models import Cohort
from core.api.viewsets import ScopedReadOnlyViewSet, ScopedViewSetMixin

from .. import selectors
from ..models import LedgerEntry


class LedgerEntrySerializer(serializers.ModelSerializer):
    rule = serializers.SlugRelatedField(slug_field="code", read_only=True)
    reverses = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = LedgerEntry
        fields = ["id", "cohort", "learner", "rule", "points", "capped", "text", "day", "week", "reverses",
                  "source_event", "created_at"]
        read_only_fields = fields


class LedgerEntryFilter(django_filters.FilterSet):
    class Meta:
        model = LedgerEntry
        fields = ["cohort", "learner", "week"]


@extend_schema_view(
    list=extend_schema(summary="Points ledger entries I may see",
                       description="A learner sees their own entries, why each was given (`text`) and the "
                                   "event behind it; facilitators see their cohorts', HR admins and analysts "
                                   "the organisation's. Reversals (content removed) have negative points and "
                                   "name the entry they reverse."),
    retrieve=extend_schema(summary="One ledger entry"),
)
class LedgerEntryViewSet(ScopedReadOnlyViewSet):
    base_queryset = LedgerEntry.objects.all()
    serializer_class = LedgerEntrySerializer
    filterset_class = LedgerEntryFilter
    ordering_fields = ["created_at", "points"]
    ordering = ["-created_at", "-id"]


class StandingSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    learner = serializers.IntegerField(source="learner.pk")
    name = serializers.CharField(source="learner.display_name")
    points = serializers.IntegerField(help_text="Points, or the gain over the previous weeks on `improved`.")
    detail = serializers.CharField()


class LeaderboardSerializer(serializers.Serializer):
    cohort = serializers.IntegerField(source="cohort.pk")
    board = serializers.ChoiceField(choices=list(selectors.Board.CHOICES.items()))
    week = serializers.DateField(help_text="Monday of the current week in the cohort's timezone.")
    top = StandingSerializer(many=True)
    mine = StandingSerializer(allow_null=True, help_text="My standing, even outside the top ten; null if I "
                                                         "have none.")
    ranked = serializers.IntegerField(help_text="How many learners are on the board.")
    hidden_by_viewer = serializers.BooleanField(
        help_text="I chose to stay off leaderboards, so none is shown.")
    disabled = serializers.BooleanField(help_text="This cohort does not show leaderboards.")


class CohortPointsSerializer(serializers.Serializer):
    cohort = serializers.IntegerField(source="cohort.pk")
    total = serializers.IntegerField()
    this_week = serializers.IntegerField()
    week = serializers.DateField()


class CohortBoardSerializer(serializers.ModelSerializer):
    leaderboards_enabled = serializers.SerializerMethodField()

    class Meta:
        model = Cohort
        fields = ["id", "name", "leaderboards_enabled"]

    def get_leaderboards_enabled(self, cohort: Cohort) -> bool:
        settings = getattr(cohort, "points_settings", None)
        return settings is None or settings.leaderboards_enabled


@extend_schema_view(
    list=extend_schema(summary="Cohorts whose leaderboards I may read",
                       description="Each cohort I can see, and whether it shows leaderboards; read one with "
                                   "`/leaderboards/{cohort id}/`."),
    retrieve=extend_schema(
        summary="A cohort's leaderboard",
        parameters=[OpenApiParameter("board", str, enum=list(selectors.Board.CHOICES),
                                     description="week (default), all (all time) or improved (this week "
                                                 "against the average of the four before).")],
        responses=LeaderboardSerializer),
)
class LeaderboardViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    """Leaderboards by cohort id: the top ten and my own standing."""

    base_queryset = Cohort.objects.all()
    serializer_class = CohortBoardSerializer
    filter_backends: list = []

    def get_queryset(self):
        return super().get_queryset().select_related("points_settings").order_by("-start_date", "name", "pk")

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(CohortBoardSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        cohort = self.get_object()
        board = request.query_params.get("board", selectors.Board.WEEK)
        if board not in selectors.Board.CHOICES:
            choices = ", ".join(selectors.Board.CHOICES)
            raise serializers.ValidationError({"board": [f"Choose one of {choices}."]})
        return Response(LeaderboardSerializer(selectors.leaderboard(request.user, cohort, board)).data)

    @extend_schema(summary="My points in this cohort: in all and this week", responses=CohortPointsSerializer)
    @action(detail=True, methods=["get"], url_path="my-points")
    def my_points(self, request, pk=None):
        summary = selectors.points_summary(request.user, self.get_object(), history=0)
        return Response(CohortPointsSerializer(summary).data)
