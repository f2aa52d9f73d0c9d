"""Re-enqueue events a consumer has not applied (after an outage, a bug fix, or
when a new consumer should catch up). Safe to run any time: a consumer applies
each event at most once."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from core import events
from core.tasks import consume_event_task


class Command(BaseCommand):
    help = "Enqueue every event that a consumer subscribes to but has not consumed yet."

    def add_arguments(self, parser):
        parser.add_argument("--consumer", action="append", dest="consumers",
                            help="Only this consumer (repeatable). Default: all.")
        parser.add_argument("--since", help="Only events at or after this ISO date-time.")
        parser.add_argument("--limit", type=int, default=None, help="At most this many per consumer.")
        parser.add_argument("--dry-run", action="store_true", help="Count, do not enqueue.")

    def handle(self, *args, consumers=None, since=None, limit=None, dry_run=False, **options):
        registered = {c.name: c for c in events.consumers()}
        names = consumers or sorted(registered)
        unknown = [name for name in names if name not in registered]
        if unknown:
            raise CommandError(f"Unknown consumer(s): {', '.join(unknown)}. "
                               f"Registered: {', '.join(sorted(registered)) or 'none'}.")
        since_dt = None
        if since:
            since_dt = parse_datetime(since)
            if since_dt is None:
                raise CommandError("--since must be an ISO date-time, e.g. 2026-11-01T00:00:00Z")
        total = 0
        for name in names:
            pending = events.unconsumed_events(name)
            if since_dt is not None:
                pending = pending.filter(occurred_at__gte=since_dt)
            ids = pending.values_list("pk", flat=True)
            if limit:
                ids = ids[:limit]
            count = 0
            for event_id in ids.iterator(chunk_size=2000):
                if not dry_run:
                    consume_event_task.delay(name, str(event_id))
                count += 1
            total += count
            verb = "would enqueue" if dry_run else "enqueued"
            self.stdout.write(f"{name}: {verb} {count} event(s)")
        self.stdout.write(self.style.SUCCESS(f"{total} in all"))
