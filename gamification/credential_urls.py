"""The public credential addresses (no login). Every credential carries these URLs for
good, so they never change; ``gamification.credentials`` builds and parses them."""

from django.urls import path

from .views import credentials

app_name = "credentials"

urlpatterns = [
    path("<uuid:award_id>/", credentials.award, name="award"),
    path("verify/", credentials.verify, name="verify"),
    path("issuers/<int:organization_id>/", credentials.issuer, name="issuer"),
    path("issuers/<int:organization_id>/key.json", credentials.key, name="key"),
    path("issuers/<int:organization_id>/achievements/<int:badge_id>/", credentials.achievement,
         name="achievement"),
    path("issuers/<int:organization_id>/achievements/<int:badge_id>/image.svg", credentials.image,
         name="image"),
]
