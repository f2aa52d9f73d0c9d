from . import policy


def navigation(request):
    """What the top navigation shows for this person (from cached roles, no extra query
    once the roles are loaded)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_can_facilitate": policy.allows(user, "facilitation.dashboard"),
        "nav_can_admin": policy.allows(user, "admin.access"),
    }
