from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from core.admin_site import admin_site
from core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin_site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/", include("config.api_urls")),
    path("notifications/", include("core.urls")),
    path("peer-review/", include("peer_review.urls")),
    path("points/", include("gamification.urls")),
    path("credentials/", include("gamification.credential_urls")),
    path("nudges/", include("nudges.urls")),
    path("sessions/", include("touchpoints.urls")),
    path("", include("discussions.urls")),
    path("", include("cohorts.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

admin.site = admin_site
