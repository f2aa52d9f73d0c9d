"""Create the filesystem broker's folders before Celery or the web process use them."""

from pathlib import Path

from django.conf import settings


def ensure_broker_folders() -> None:
    if not settings.CELERY_BROKER_URL.startswith("filesystem://"):
        return
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        Path(options[key]).mkdir(parents=True, exist_ok=True)
