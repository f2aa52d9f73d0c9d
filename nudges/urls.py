from django.urls import path

from .views import approvals, digests, log, preferences, remind, rules

app_name = "nudges"

urlpatterns = [
    path("preferences/", preferences.preferences, name="preferences"),
    path("unsubscribe/<str:token>/", preferences.unsubscribe, name="unsubscribe"),
    path("approvals/", approvals.approvals, name="approvals"),
    path("rules/", rules.rules, name="rules"),
    path("rules/new/", rules.rule_new, name="rule_new"),
    path("rules/<int:pk>/", rules.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/deactivate/", rules.rule_deactivate, name="rule_deactivate"),
    path("rules/<int:pk>/preview/", rules.rule_preview, name="rule_preview"),
    path("log/", log.log, name="log"),
    path("remind/", remind.remind, name="remind"),
    path("cohorts/<int:pk>/digests/", digests.cohort_digests, name="cohort_digests"),
    path("digests/<int:pk>/", digests.digest, name="digest"),
]
