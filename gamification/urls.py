from django.urls import path

from .views import kudos, points

app_name = "gamification"

urlpatterns = [
    path("", points.mine, name="mine"),
    path("cohorts/<int:pk>/leaderboard/", points.leaderboard, name="leaderboard"),
    path("cohorts/<int:pk>/leaderboard/switch/", points.leaderboards_switch, name="leaderboards_switch"),
    path("people/<int:pk>/", points.member, name="member"),
    path("preferences/", points.preferences, name="preferences"),
    path("kudos/new/", kudos.kudos_new, name="kudos_new"),
]
