"""The Celery settings the event path relies on (why each matters is in
config/settings/base.py)."""

from django.conf import settings

from config.celery_app import app


def test_tasks_are_acknowledged_after_they_finish_and_requeued_if_the_worker_dies():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1


def test_every_peerloop_task_is_safe_to_redeliver():
    app.loader.import_default_modules()
    ours = {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}
    assert ours, "no tasks registered"
    for name, task in ours.items():
        assert task.acks_late, name
        assert task.reject_on_worker_lost, name
        assert task.max_retries is not None, name


def test_redis_redelivers_only_after_the_longest_task_could_have_finished(monkeypatch):
    import importlib

    import config.settings.base as base

    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.delenv("CELERY_VISIBILITY_TIMEOUT", raising=False)
    reloaded = importlib.reload(base)
    try:
        timeout = reloaded.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
        assert timeout > reloaded.CELERY_TASK_TIME_LIMIT
    finally:
        monkeypatch.undo()
        importlib.reload(base)
    assert settings.CELERY_TASK_TIME_LIMIT > settings.CELERY_TASK_SOFT_TIME_LIMIT
