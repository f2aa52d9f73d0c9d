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


def attempt(form, write, **kwargs) -> tuple[bool, object]:
    """Run a service; its rule messages go onto `form` (the typed text stays). A policy
    refusal is a 403."""
    from .errors import PermissionDenied as ServicePermissionDenied

    try:
        return True, write(**kwargs)
    except ServicePermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from exc
    except ApplicationError as exc:
        apply_errors(form, exc)
        return False, None


def first_error(exc: ApplicationError) -> str:
    """The first field message of a service error, else its summary."""
    return next((message for messages in exc.errors.values() for message in messages), exc.message)


def next_url(request, default: str) -> str:
    """Where to go after an action: a same-site `next`, else `default`."""
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default
