from django.apps import AppConfig


class DiscussionsConfig(AppConfig):
    name = "discussions"
    verbose_name = "Discussions"

    def ready(self) -> None:
        from . import handlers, rules  # noqa: F401 - register this app's consumers and policy rules
