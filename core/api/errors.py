"""One error shape for the whole API: {"message": ..., "errors": {field: [...]}}."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import ApplicationError, PermissionDenied


def _flatten(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        errors = {}
        for key, value in detail.items():
            if isinstance(value, dict):
                for sub_key, messages in _flatten(value).items():
                    errors[f"{key}.{sub_key}"] = messages
            elif isinstance(value, list) and value and isinstance(value[0], dict):
                for index, item in enumerate(value):
                    for sub_key, messages in _flatten(item).items():
                        errors[f"{key}.{index}.{sub_key}"] = messages
            else:
                errors[key] = [str(m) for m in (value if isinstance(value, list) else [value])]
        return errors
    if isinstance(detail, list):
        return {"non_field_errors": [str(m) for m in detail]}
    return {"non_field_errors": [str(detail)]}


def exception_handler(exc, context):
    if isinstance(exc, PermissionDenied):
        return Response({"message": exc.message, "errors": exc.errors},
                        status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, ApplicationError):
        return Response({"message": exc.message, "errors": exc.errors},
                        status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"message": "Please correct the errors below.", "errors": _flatten(exc.detail)}
    else:
        detail = getattr(exc, "detail", None)
        response.data = {"message": str(detail) if detail else str(exc), "errors": {}}
    return response
