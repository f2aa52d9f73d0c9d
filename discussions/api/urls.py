from django.urls import path

from .views import (
    CohortFeedView,
    FeedViewSet,
    FlagViewSet,
    MicroTaskCompletionViewSet,
    ModerationQueueViewSet,
    NotificationViewSet,
    PostViewSet,
    PromptViewSet,
    ThreadViewSet,
)

routes = [
    ("prompts", PromptViewSet, "prompt"),
    ("threads", ThreadViewSet, "thread"),
    ("posts", PostViewSet, "post"),
    ("flags", FlagViewSet, "flag"),
    ("moderation-queue", ModerationQueueViewSet, "moderationqueueitem"),
    ("feed", FeedViewSet, "feeditem"),
    ("microtask-completions", MicroTaskCompletionViewSet, "microtaskcompletion"),
    ("notifications", NotificationViewSet, "notification"),
]

urlpatterns = [
    path("cohorts/<int:id>/feed/", CohortFeedView.as_view(), name="api-cohort-feed"),
]
