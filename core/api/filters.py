import contextlib

import django_filters
from django_filters.rest_framework import DjangoFilterBackend

from core import policy
from core.models import AuditEntry, Event


class ScopedFilterBackend(DjangoFilterBackend):
    """Filters that take an object id accept only objects the caller may see, so
    filtering by another organisation's cohort answers exactly like an id that
    does not exist (a field message), never an empty 200 that confirms it does."""

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        for filter_ in getattr(filterset, "filters", {}).values():
            choices = getattr(filter_, "queryset", None)
            if choices is not None and not callable(choices):
                with contextlib.suppress(TypeError):  # a model without a scoping rule
                    filter_.queryset = policy.scope(request.user, choices.all())
                    filter_.__dict__.pop("_field", None)  # built before scoping: rebuild
        return filterset


class EventFilter(django_filters.FilterSet):
    occurred_after = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt")

    class Meta:
        model = Event
        fields = ["verb", "cohort", "actor", "subject_type"]


class AuditEntryFilter(django_filters.FilterSet):
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = AuditEntry
        fields = ["action", "actor", "target_type"]
