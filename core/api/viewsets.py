"""Base API views: querysets always come through the policy module."""

from rest_framework import permissions, viewsets

from core import policy


class PolicyObjectPermission(permissions.BasePermission):
    """Decides writes to an existing object with the policy before the input is
    validated, so a user who may not change an object hears "forbidden", not
    what was wrong with their input. The services check again when they write."""

    def has_object_permission(self, request, view, obj) -> bool:
        required = getattr(view, "object_permissions", {}).get(view.action)
        return required is None or policy.allows(request.user, required, obj)


class ScopedViewSetMixin:
    """Lists and lookups see only what the policy lets the user see, so another
    organisation's object is a 404."""

    base_queryset = None
    # {view action: policy permission} checked on the object before validation.
    object_permissions: dict[str, str] = {}
    permission_classes = [permissions.IsAuthenticated, PolicyObjectPermission]

    def get_queryset(self):
        return policy.scope(self.request.user, self.base_queryset.all())

    def validated(self, serializer_class, **kwargs) -> dict:
        """The request body checked by `serializer_class`; a 400 with field messages otherwise."""
        serializer = serializer_class(data=self.request.data, **kwargs)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


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
