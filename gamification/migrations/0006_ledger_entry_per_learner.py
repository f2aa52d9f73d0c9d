"""One ledger entry per rule, event and learner (was: per rule and event), so a rule
that pays every member of a squad writes one entry for each."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("gamification", "0005_badges"),
    ]

    operations = [
        # Add the new key before dropping the old one, so no moment is without one.
        migrations.AddConstraint(
            model_name="ledgerentry",
            constraint=models.UniqueConstraint(
                condition=models.Q(("reverses__isnull", True)), fields=("rule", "source_event", "learner"),
                name="one_entry_per_rule_event_and_learner",
            ),
        ),
        migrations.RemoveConstraint(model_name="ledgerentry", name="one_entry_per_rule_and_event"),
    ]
