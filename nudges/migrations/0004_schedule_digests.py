"""Schedule the Top Take digests: an hourly beat entry, because each cohort's digest
goes out at Monday 09:00 in its own timezone. Running it again sends nothing twice."""

from django.db import migrations
from django.utils import timezone

NAME = "Send Top Take digests"
TASK = "nudges.send_digests"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    hourly = IntervalSchedule.objects.filter(every=1, period="hours").order_by("pk").first()
    if hourly is None:
        hourly = IntervalSchedule.objects.create(every=1, period="hours")
    PeriodicTask.objects.get_or_create(name=NAME, defaults={
        "task": TASK, "interval": hourly, "enabled": True,
        "description": "Ranks each active cohort's week and sends its Top Take digest on Monday 09:00, "
                       "cohort time, to every learner who wants it."})
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def unschedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=NAME, task=TASK).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("nudges", "0003_digest"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(schedule, unschedule),
    ]
