from django.urls import path

from . import urls_kudos
from .views import points

app_name = "gamification"

urlpatterns = [
    path("", points.mine, name="mine"),
    path("cohorts/<int:pk>/leaderboard/", points.leaderboard, name="leaderboard"),
    path("cohorts/<int:pk>/leaderboard/switch/", points.leaderboards_switch, name="leaderboards_switch"),
    path("people/<int:pk>/", points.member, name="member"),
    path("preferences/", points.preferences, name="preferences"),
    *urls_kudos.urlpatterns,
]
