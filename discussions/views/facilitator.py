"""Facilitator pages: prompts, role swaps, Top Take picks, the moderation queue."""

urlpatterns: list = []
