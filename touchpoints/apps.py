from django.apps import AppConfig


class TouchpointsConfig(AppConfig):
    name = "touchpoints"
    verbose_name = "Live sessions"

    def ready(self) -> None:
        from . import rules  # noqa: F401 - register the policy rules
