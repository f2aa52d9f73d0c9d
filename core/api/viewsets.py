"""Base API views: querysets always come through the policy module."""

from rest_framework import viewsets

from core import policy


class ScopedViewSetMixin:
    """Lists and lookups see only what the policy lets the user see, so another
    organisation's object is a 404."""

    base_queryset = None

    def get_queryset(self):
        return policy.scope(self.request.user, self.base_queryset.all())


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


def scope_related_fields(serializer, **fields) -> None:
    """Limit writable related fields to objects the user may see."""
    request = serializer.context.get("request")
    if request is None:
        return
    for name, model in fields.items():
        field = serializer.fields.get(name)
        if field is not None and not field.read_only:
            field.queryset = policy.scope(request.user, model.objects.all())
