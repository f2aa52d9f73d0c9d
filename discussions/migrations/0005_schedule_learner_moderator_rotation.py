"""Schedule the weekly learner-moderator rotation: an hourly beat entry, because
each cohort turns its week at its own local Monday midnight. Platform operators
may edit or pause it in admin; running it again is harmless (the rotation is
idempotent per cohort and week)."""

from django.db import migrations
from django.utils import timezone

TASK_NAME = "Rotate learner moderators"
TASK = "discussions.rotate_learner_moderators"


def _touch_schedule(apps):
    # Historical models fire no signals: tell a running beat the schedule changed.
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    # IntervalSchedule has no unique constraint, so an existing hourly one may be duplicated.
    hourly = IntervalSchedule.objects.filter(every=1, period="hours").order_by("pk").first()
    if hourly is None:
        hourly = IntervalSchedule.objects.create(every=1, period="hours")
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": TASK,
            "interval": hourly,
            "enabled": True,
            "description": "Hands each active cohort's learner-moderator role to the next member "
                           "after the cohort's local Monday midnight. Safe to run more often.",
        },
    )
    _touch_schedule(apps)


def unschedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    task = PeriodicTask.objects.filter(name=TASK_NAME, task=TASK).first()
    if task is None:
        return
    interval_id = task.interval_id
    task.delete()
    # Remove the hourly schedule too unless another periodic task uses it.
    if interval_id and not PeriodicTask.objects.filter(interval_id=interval_id).exists():
        IntervalSchedule.objects.filter(pk=interval_id).delete()
    _touch_schedule(apps)


class Migration(migrations.Migration):

    dependencies = [
        ("discussions", "0004_thread_revision"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(schedule, unschedule),
    ]
