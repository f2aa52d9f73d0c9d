"""Schedule the peer review timeline: every five minutes, allocate reviews when an
assignment's submissions close, hand overdue reviews to someone else and grade what
is left when reviews close. Platform operators may edit or pause it in admin;
running it more often is harmless (every step is idempotent)."""

from django.db import migrations
from django.utils import timezone

TASK_NAME = "Advance peer review assignments"
TASK = "peer_review.advance_assignments"


def _touch_schedule(apps):
    # Historical models fire no signals: tell a running beat the schedule changed.
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_five = IntervalSchedule.objects.filter(every=5, period="minutes").order_by("pk").first()
    if every_five is None:
        every_five = IntervalSchedule.objects.create(every=5, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": TASK,
            "interval": every_five,
            "enabled": True,
            "description": "Allocates reviewers when submissions close, moves overdue reviews to "
                           "another reviewer and grades what is left when reviews close.",
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
    if interval_id and not PeriodicTask.objects.filter(interval_id=interval_id).exists():
        IntervalSchedule.objects.filter(pk=interval_id).delete()
    _touch_schedule(apps)


class Migration(migrations.Migration):

    dependencies = [
        ("peer_review", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(schedule, unschedule),
    ]
