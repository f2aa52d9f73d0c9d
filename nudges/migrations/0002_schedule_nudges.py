"""Schedule the nudge evaluation (every 15 minutes) and the release of messages whose
time has come (every minute). Editable and pausable in admin; running either more
often sends nothing twice (each message has a unique key and a row lock)."""

from django.db import migrations
from django.utils import timezone

TASKS = [
    ("Evaluate nudge rules", "nudges.evaluate_rules", 15, "minutes",
     "Works out who each active nudge rule is due for and queues one message per rule, learner, "
     "occasion and channel (or proposes it to facilitators)."),
    ("Send queued messages", "nudges.release_due", 1, "minutes",
     "Sends queued messages whose send window has opened or whose retry is due, and re-sends the "
     "ones whose task was lost."),
]


def _touch_schedule(apps):
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, every, period, description in TASKS:
        interval = IntervalSchedule.objects.filter(every=every, period=period).order_by("pk").first()
        if interval is None:
            interval = IntervalSchedule.objects.create(every=every, period=period)
        PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": task, "interval": interval, "enabled": True, "description": description})
    _touch_schedule(apps)


def unschedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(task__in=[task for _, task, *_ in TASKS]).delete()
    _touch_schedule(apps)


class Migration(migrations.Migration):

    dependencies = [
        ("nudges", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(schedule, unschedule),
    ]
