"""Squad milestones earn points: the recipient kind for every member, and the house rule."""

from django.db import migrations, models

from gamification.defaults import install_default_rules


def add_defaults(apps, schema_editor):
    install_default_rules(apps.get_model("gamification", "PointRule"))


class Migration(migrations.Migration):

    dependencies = [
        ('gamification', '0003_kudos_and_leaderboard_settings'),
    ]

    operations = [
        migrations.AlterField(
            model_name='pointrule',
            name='recipient',
            field=models.CharField(choices=[('actor', "Whoever did it (the event's actor)"), ('author_id', 'The author of the post or submission'), ('reviewer_id', 'The reviewer'), ('learner_id', 'The learner (calibration)'), ('user_id', 'The learner who completed the task'), ('endorser_id', 'The person who endorsed'), ('recipient_id', 'The person thanked'), ('member_ids', 'Every member who delivered (squad milestone)')], max_length=20),
        ),
        migrations.AlterField(
            model_name='pointrule',
            name='verb',
            field=models.CharField(choices=[('review_submitted', 'A peer review was submitted'), ('usefulness_rated', "An author rated a review's usefulness"), ('calibration_completed', 'A learner finished calibrating'), ('post_created', 'A post in a discussion'), ('reply_created', 'A reply to a post'), ('post_endorsed', 'A post was endorsed'), ('top_take_selected', 'A post was picked as a Top Take'), ('microtask_completed', 'A micro-task was completed'), ('squad_milestone_reached', 'A squad delivered every role of a prompt'), ('kudos_given', 'A learner thanked a peer (kudos)')], help_text='The event that earns the points.', max_length=64),
        ),
        migrations.RunPython(add_defaults, migrations.RunPython.noop),
    ]
