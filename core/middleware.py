import zoneinfo

from django.utils import timezone, translation


class UserTimezoneMiddleware:
    """Render times in the signed-in person's timezone and language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.timezone or "UTC"))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
            if user.locale:
                translation.activate(user.locale)
                request.LANGUAGE_CODE = user.locale
        else:
            timezone.deactivate()
        return self.get_response(request)
