from django.urls import path

from . import views

app_name = "touchpoints"

urlpatterns = [
    path("cohorts/<int:pk>/", views.cohort_sessions, name="cohort_sessions"),
    path("cohorts/<int:pk>/new/", views.schedule, name="schedule"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/rsvp/", views.rsvp, name="rsvp"),
    path("<int:pk>/invite.ics", views.invite_ics, name="invite_ics"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/attendance/", views.attendance, name="attendance"),
]
