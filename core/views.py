from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from . import selectors, services
from .health import check_broker, check_database


@never_cache
@require_GET
def healthz(request):
    """200 when the database and the broker answer; 503 naming what is down."""
    db_ok, db_detail = check_database()
    broker_ok, broker_detail = check_broker()
    ok = db_ok and broker_ok
    body = {
        "status": "ok" if ok else "unavailable",
        "database": {"ok": db_ok, "detail": db_detail},
        "broker": {"ok": broker_ok, "detail": broker_detail},
    }
    if not ok:
        body["down"] = [name for name, good in (("database", db_ok), ("broker", broker_ok)) if not good]
    return JsonResponse(body, status=200 if ok else 503)


# --- notifications (the bell) ---------------------------------------------------------


@login_required
@require_GET
def notification_list(request):
    page = selectors.notifications_page(request.user, request.GET.get("page", 1))
    return render(request, "core/notifications.html", {"page": page})


@login_required
@require_POST
def notification_read(request, pk: int):
    """Mark one notification read: htmx swaps its row and the bell's count."""
    notification = selectors.notification_get(request.user, pk)
    services.notification_mark_read(actor=request.user, notification=notification)
    if request.htmx:
        return render(request, "core/partials/notification_read.html", {"n": notification})
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all(request):
    changed = services.notifications_mark_all_read(actor=request.user)
    if request.htmx:
        page = selectors.notifications_page(request.user, request.POST.get("page", 1))
        return render(request, "core/partials/notification_list.html", {"page": page, "oob_bell": True})
    if changed:
        messages.success(request, f"Marked {changed} notification{pluralize(changed)} read.")
    return redirect("notifications:list")


@login_required
@require_GET
def notification_open(request, pk: int):
    """Follow a notification's link, marking it read on the way (idempotent, own only)."""
    notification = selectors.notification_get(request.user, pk)
    services.notification_mark_read(actor=request.user, notification=notification)
    target = notification.url
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                         require_https=request.is_secure()):
        return redirect("notifications:list")
    return redirect(target)
