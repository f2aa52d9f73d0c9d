from django.urls import path

from .views import (
    CohortViewSet,
    JourneyTemplateViewSet,
    MembershipViewSet,
    MeView,
    OrganizationView,
    SquadViewSet,
    UserViewSet,
)

routes = [
    ("users", UserViewSet, "user"),
    ("cohorts", CohortViewSet, "cohort"),
    ("squads", SquadViewSet, "squad"),
    ("memberships", MembershipViewSet, "membership"),
    ("journey-templates", JourneyTemplateViewSet, "journeytemplate"),
]

urlpatterns = [
    path("me/", MeView.as_view(), name="api-me"),
    path("organization/", OrganizationView.as_view(), name="api-organization"),
]
