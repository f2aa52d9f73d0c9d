from functools import cached_property

from . import policy, selectors


class UnreadNotifications:
    """The bell's count, queried only when a template shows it (htmx partials don't)."""

    def __init__(self, user):
        self._user = user

    @cached_property
    def count(self) -> int:
        return selectors.unread_notification_count(self._user)

    @property
    def label(self) -> str:
        return f"{selectors.UNREAD_COUNT_CAP - 1}+" if self.count >= selectors.UNREAD_COUNT_CAP \
            else str(self.count)


def navigation(request):
    """What the top navigation shows for this person (from cached roles, no extra query
    once the roles are loaded; the bell's count is one query when rendered)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_can_facilitate": policy.allows(user, "facilitation.dashboard"),
        "nav_can_moderate": policy.allows(user, "moderation.queue"),
        "nav_can_admin": policy.allows(user, "admin.access"),
        "nav_notifications": UnreadNotifications(user),
    }
