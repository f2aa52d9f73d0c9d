"""Helpers shared by the discussions services."""

from __future__ import annotations

from core import policy
from core.errors import ApplicationError, PermissionDenied


def require(actor, permission: str, obj=None) -> None:
    if not policy.allows(actor, permission, obj):
        raise PermissionDenied("You do not have permission to do that.")


def invalid(**errors: str) -> ApplicationError:
    return ApplicationError("Please correct the errors below.",
                            errors={field: [message] for field, message in errors.items()})
