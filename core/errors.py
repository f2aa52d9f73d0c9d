"""One error type for rule violations, raised by services and mapped to a 400
(API) or a form error (portal)."""

from __future__ import annotations


class ApplicationError(Exception):
    def __init__(self, message: str, *, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class PermissionDenied(ApplicationError):
    """The actor may not do this (mapped to 403, or 404 across organisations)."""


def invalid(**errors: str) -> ApplicationError:
    """A 400 / form error with one message per field."""
    return ApplicationError("Please correct the errors below.",
                            errors={field: [message] for field, message in errors.items()})
