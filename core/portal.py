"""Small helpers shared by portal views."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied

from . import policy
from .errors import ApplicationError


def require(user, permission: str, obj=None) -> None:
    """403 for a visible object the user may not act on (invisible ones are 404 earlier)."""
    if not policy.allows(user, permission, obj):
        raise DjangoPermissionDenied


def apply_errors(form, exc: ApplicationError) -> None:
    """Show a service's field messages on the form, keeping what the user typed."""
    placed = False
    for field, messages in exc.errors.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)
            placed = True
    if not placed:
        form.add_error(None, exc.message)
