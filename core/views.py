from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

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
