from django.core.management.base import BaseCommand

from cohorts.demo import DEMO_PASSWORD, demo_logins, load_demo


class Command(BaseCommand):
    help = "Load the demo organisations, people and cohorts (safe to run again)."

    def handle(self, *args, **options):
        created = load_demo()
        if any(created.values()):
            self.stdout.write(self.style.SUCCESS(
                "Demo data loaded: " + ", ".join(f"{n} {k}" for k, n in created.items())))
        else:
            self.stdout.write("Demo data already present; nothing changed.")
        if options["verbosity"] >= 1:
            self.stdout.write(f"Demo logins (password {DEMO_PASSWORD}):")
            for label, email in demo_logins():
                self.stdout.write(f"  {label:<26} {email}")
