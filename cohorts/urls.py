from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("week/", views.this_week, name="this_week"),
    path("cohorts/<int:pk>/", views.cohort_detail, name="cohort_detail"),
    path("profile/", views.profile, name="profile"),
    path("facilitate/", views.facilitate, name="facilitate"),
    path("facilitate/cohorts/new/", views.cohort_create, name="cohort_create"),
    path("facilitate/cohorts/<int:pk>/", views.cohort_manage, name="cohort_manage"),
    path("facilitate/cohorts/<int:pk>/members/<int:membership_pk>/",
         views.membership_change, name="membership_change"),
    path("facilitate/cohorts/<int:pk>/members/<int:membership_pk>/remove/",
         views.membership_remove, name="membership_remove"),
    path("facilitate/cohorts/<int:pk>/squads/arrange/", views.squads_auto_arrange,
         name="squads_auto_arrange"),
    path("facilitate/cohorts/<int:pk>/squads/<int:squad_pk>/delete/",
         views.squad_delete, name="squad_delete"),
    path("settings/tokens/", views.api_tokens, name="api_tokens"),
    path("settings/tokens/<int:token_pk>/revoke/", views.api_token_revoke,
         name="api_token_revoke"),
]
