import contextlib
import datetime as dt

import django_filters
from django.core.exceptions import ValidationError
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend

from core import policy
from core.models import ApiToken, AuditEntry, Event


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


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time turned into UTC before it reaches the database.
    PostgreSQL refuses offsets beyond +/-15:59 and years near 1; both become a
    field message instead of a server error."""

    def clean(self, value):
        parsed = super().clean(value)
        if parsed is None:
            return None
        try:
            utc = parsed.astimezone(dt.UTC) if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
        except (OverflowError, ValueError) as exc:
            raise ValidationError("Enter a date-time between the years 1900 and 9999.") from exc
        if not 1900 <= utc.year <= 9999:
            raise ValidationError("Enter a date-time between the years 1900 and 9999.")
        return utc


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class EventFilter(django_filters.FilterSet):
    occurred_after = UtcIsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = UtcIsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt")

    class Meta:
        model = Event
        fields = ["verb", "cohort", "actor", "subject_type"]


class AuditEntryFilter(django_filters.FilterSet):
    created_after = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = AuditEntry
        fields = ["action", "actor", "target_type"]


class ApiTokenFilter(django_filters.FilterSet):
    revoked = django_filters.BooleanFilter(field_name="revoked_at", lookup_expr="isnull", exclude=True,
                                           label="true: revoked tokens; false: tokens in use")

    class Meta:
        model = ApiToken
        fields = ["revoked"]
