from django.urls import path

from .views import badges, kudos, points

app_name = "gamification"

urlpatterns = [
    # My points and a member's page carry their badges too.
    path("", points.mine, name="mine"),
    path("cohorts/<int:pk>/leaderboard/", points.leaderboard, name="leaderboard"),
    path("cohorts/<int:pk>/leaderboard/switch/", points.leaderboards_switch, name="leaderboards_switch"),
    path("people/<int:pk>/", points.member, name="member"),
    path("preferences/", points.preferences, name="preferences"),
    path("kudos/new/", kudos.kudos_new, name="kudos_new"),
    path("badges/", badges.badges, name="badges"),
    path("badges/awards/<uuid:award_id>/credential.jwt", badges.credential_download, name="badge_credential"),
    path("badges/awards/<uuid:award_id>/credential.json", badges.credential_json,
         name="badge_credential_json"),
    path("badges/<slug:code>/", badges.badge_detail, name="badge_detail"),
]
