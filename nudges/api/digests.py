"""Top Take digests through the REST API: a cohort's sent digests (its archive) for
the people who see the cohort; drafts for its facilitators and HR admins."""

from __future__ import annotations

import django_filters
from rest_framework import serializers

from cohorts.models import Cohort
from core.api.viewsets import ScopedReadOnlyViewSet

from ..models import Digest, DigestState


class DigestItemSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["post", "reviews"])
    post_id = serializers.IntegerField(allow_null=True)
    author_id = serializers.IntegerField()
    author_name = serializers.CharField()
    headline = serializers.CharField()
    squad = serializers.CharField(allow_blank=True)
    excerpt = serializers.CharField(allow_blank=True)
    url = serializers.CharField(allow_blank=True)
    top_take = serializers.CharField(allow_blank=True, help_text="Why a facilitator picked it, if they did.")
    endorsements = serializers.IntegerField()
    repliers = serializers.IntegerField()
    useful = serializers.IntegerField(help_text="Reviews rated useful (review items).")
    quotes = serializers.ListField(child=serializers.DictField(child=serializers.CharField()))
    score = serializers.FloatField()


class DigestSerializer(serializers.ModelSerializer):
    items = DigestItemSerializer(many=True, read_only=True)

    class Meta:
        model = Digest
        fields = ["id", "cohort", "week_start", "state", "intro", "items", "send_at", "sent_at", "recipients"]
        read_only_fields = fields


class DigestFilter(django_filters.FilterSet):
    cohort = django_filters.ModelChoiceFilter(queryset=Cohort.objects.all())
    state = django_filters.ChoiceFilter(choices=DigestState.choices)

    class Meta:
        model = Digest
        fields = ["cohort", "state"]


class DigestViewSet(ScopedReadOnlyViewSet):
    """Weekly Top Take digests, newest first."""

    base_queryset = Digest.objects.select_related("cohort").order_by("-week_start", "-pk")
    serializer_class = DigestSerializer
    filterset_class = DigestFilter
    ordering_fields = ["week_start", "sent_at"]
