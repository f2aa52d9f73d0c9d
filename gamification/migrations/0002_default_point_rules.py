"""The house default point rules (gamification/defaults.py)."""

from django.db import migrations

from gamification.defaults import DEFAULT_RULES, install_default_rules


def add_defaults(apps, schema_editor):
    install_default_rules(apps.get_model("gamification", "PointRule"))


def remove_defaults(apps, schema_editor):
    PointRule = apps.get_model("gamification", "PointRule")
    PointRule.objects.filter(organization=None, code__in=[rule[0] for rule in DEFAULT_RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("gamification", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
