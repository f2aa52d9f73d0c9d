from django.apps import AppConfig


class GamificationConfig(AppConfig):
    name = "gamification"
    verbose_name = "Points and badges"

    def ready(self) -> None:
        from . import handlers, rules  # noqa: F401 - register the event consumer and policy rules
