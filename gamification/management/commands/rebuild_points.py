"""Rebuild the points ledger, totals, weekly points and badge awards from the event log.

    manage.py rebuild_points [--organization SLUG]

The result equals what the live consumer wrote: both run
``points_apply`` and ``badges_apply`` over the same events in the order they
happened; awards keep their ids and revoked ones stay revoked. Use it after
changing point rules retroactively or to repair a ledger.
"""

from django.core.management.base import BaseCommand, CommandError

from cohorts.models import Organization
from gamification import services


class Command(BaseCommand):
    help = "Rebuild points and badges from the event log (one organisation, or all)."

    def add_arguments(self, parser):
        parser.add_argument("--organization", help="Slug of the organisation; all of them when left out.")

    def handle(self, *args, organization=None, **options):
        target = None
        if organization:
            target = Organization.objects.filter(slug=organization).first()
            if target is None:
                raise CommandError(f"No organisation with the slug {organization!r}.")
        counts = services.gamification_rebuild(organization=target)
        if options["verbosity"]:
            self.stdout.write(
                f"Replayed {counts['events']:,} events into {counts['entries']:,} ledger entries "
                f"and {counts['awards']:,} badge awards.")
