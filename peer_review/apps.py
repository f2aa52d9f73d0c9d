from django.apps import AppConfig


class PeerReviewConfig(AppConfig):
    name = "peer_review"
    verbose_name = "Peer review"

    def ready(self) -> None:
        from . import handlers, queue, rules  # noqa: F401 - register this app's consumers and policy rules

        queue.register()
