from django.apps import AppConfig


class NudgesConfig(AppConfig):
    name = "nudges"
    verbose_name = "Nudges and digests"

    def ready(self) -> None:
        from . import handlers, rules, sessions  # noqa: F401 - register the event consumers and policy rules
