from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Platform"

    def ready(self) -> None:
        from importlib import import_module

        from django.conf import settings

        # Consumers outside the product apps (a benchmark's no-op consumer)
        # register here, so web, worker and beat all know them.
        for module in settings.PEERLOOP_CONSUMER_MODULES:
            import_module(module)

        from .celery_dirs import ensure_broker_folders

        ensure_broker_folders()
