from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand

from cohorts.demo import DEMO_PASSWORD, demo_logins, load_demo


def _app_demos():
    """Other apps' `demo.load_demo()`, in INSTALLED_APPS order (after the cohorts' people)."""
    for config in apps.get_app_configs():
        if config.name == "cohorts":
            continue
        try:
            module = import_module(f"{config.name}.demo")
        except ModuleNotFoundError as missing:
            if missing.name != f"{config.name}.demo":
                raise
            continue
        if hasattr(module, "load_demo"):
            yield module.load_demo


class Command(BaseCommand):
    help = "Load the demo organisations, people, cohorts and their activity (safe to run again)."

    def handle(self, *args, **options):
        created = load_demo()
        for load in _app_demos():
            created |= load()
        if any(created.values()):
            self.stdout.write(self.style.SUCCESS(
                "Demo data loaded: " + ", ".join(f"{n} {k}" for k, n in created.items())))
        else:
            self.stdout.write("Demo data already present; nothing changed.")
        if options["verbosity"] >= 1:
            self.stdout.write(f"Demo logins (password {DEMO_PASSWORD}):")
            for label, email in demo_logins():
                self.stdout.write(f"  {label:<26} {email}")
