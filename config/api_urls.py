from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from cohorts.api import urls as cohorts_api
from core.api import urls as core_api
from discussions.api import urls as discussions_api
from gamification.api import urls as gamification_api
from nudges.api import urls as nudges_api
from peer_review.api import urls as peer_review_api
from touchpoints.api import urls as touchpoints_api

# One router for the whole API, so /api/v1/ lists every collection.
router = DefaultRouter(trailing_slash=True)
for app_api in (core_api, cohorts_api, discussions_api, peer_review_api, gamification_api,
                touchpoints_api, nudges_api):
    for prefix, viewset, basename in app_api.routes:
        router.register(prefix, viewset, basename=basename)

v1 = [*core_api.urlpatterns, *cohorts_api.urlpatterns, *discussions_api.urlpatterns,
      *peer_review_api.urlpatterns, *gamification_api.urlpatterns, *touchpoints_api.urlpatterns,
      *nudges_api.urlpatterns, *router.urls]

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("v1/", include(v1)),
]
