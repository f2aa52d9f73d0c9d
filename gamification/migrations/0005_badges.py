"""Badges: criteria, weekly progress, awards (revocable) and the signing key of each organisation."""

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
import uuid

from django.conf import settings
from django.db import migrations, models

from gamification.defaults import install_default_badges


def add_default_badges(apps, schema_editor):
    install_default_badges(apps.get_model("gamification", "Badge"))


class Migration(migrations.Migration):

    dependencies = [
        ('cohorts', '0004_membership_moderator_since'),
        ('core', '0002_notification'),
        ('gamification', '0004_squad_milestone'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Badge',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.SlugField()),
                ('name', models.CharField(max_length=80)),
                ('description', models.TextField(help_text='What the badge means, for the learner.', max_length=600)),
                ('criteria_text', models.TextField(help_text="How to earn it, in words; goes into the credential's criteria.", max_length=600)),
                ('kind', models.CharField(choices=[('single_event', 'A single event (e.g. a first Top Take)'), ('count', 'A number of events, in all or within a period of weeks'), ('streak', 'Weeks in a row, each with at least N events'), ('points', 'A points total in a cohort'), ('calibrated', 'Calibrated reviewer (calibration accuracy)')], max_length=20)),
                ('verb', models.CharField(blank=True, choices=[('review_submitted', 'A peer review was submitted'), ('usefulness_rated', "An author rated a review's usefulness"), ('calibration_completed', 'A learner finished calibrating'), ('post_created', 'A post in a discussion'), ('reply_created', 'A reply to a post'), ('post_endorsed', 'A post was endorsed'), ('top_take_selected', 'A post was picked as a Top Take'), ('microtask_completed', 'A micro-task was completed'), ('squad_milestone_reached', 'A squad delivered every role of a prompt'), ('kudos_given', 'A learner thanked a peer (kudos)')], help_text='The event that counts (not used for a points total).', max_length=64)),
                ('recipient', models.CharField(choices=[('actor', "Whoever did it (the event's actor)"), ('author_id', 'The author of the post or submission'), ('reviewer_id', 'The reviewer'), ('learner_id', 'The learner (calibration)'), ('user_id', 'The learner who completed the task'), ('endorser_id', 'The person who endorsed'), ('recipient_id', 'The person thanked'), ('member_ids', 'Every member who delivered (squad milestone)')], default='actor', help_text='Whose progress the event is.', max_length=20)),
                ('threshold', models.PositiveIntegerField(default=1, help_text='Events to reach (count, calibrated), weeks in a row (streak) or points (points).', validators=[django.core.validators.MinValueValidator(1)])),
                ('period_weeks', models.PositiveSmallIntegerField(blank=True, help_text='Count only the events of the last this-many weeks (count). Empty: all time.', null=True, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(104)])),
                ('per_week', models.PositiveSmallIntegerField(default=1, help_text='Events a week needs to keep a streak.', validators=[django.core.validators.MinValueValidator(1)])),
                ('min_words', models.PositiveSmallIntegerField(blank=True, help_text='An event counts only with at least this many words.', null=True)),
                ('min_rating', models.PositiveSmallIntegerField(blank=True, help_text='A usefulness rating counts only when at least this (1-5).', null=True, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(5)])),
                ('min_accuracy', models.FloatField(blank=True, help_text='A calibration counts only with at least this accuracy (0-1).', null=True, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(1)])),
                ('icon', models.CharField(choices=[('star', 'Star'), ('shield', 'Shield'), ('flame', 'Flame'), ('target', 'Target'), ('people', 'People'), ('heart', 'Heart')], default='star', max_length=12)),
                ('colour', models.CharField(default='#2f6f4e', help_text="The badge's colour, as #rrggbb.", max_length=7)),
                ('is_public', models.BooleanField(default=True, help_text='Members of the organisation see who earned it (learners who hide from leaderboards are left out).')),
                ('is_active', models.BooleanField(default=True, help_text='Inactive: no new awards; earned ones stay.')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('organization', models.ForeignKey(blank=True, help_text='Empty: a house default for every organisation without a badge of the same code.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='badges', to='cohorts.organization')),
            ],
            options={
                'ordering': ['name', 'code'],
            },
        ),
        migrations.CreateModel(
            name='BadgeAward',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('awarded_at', models.DateTimeField()),
                ('revoked_at', models.DateTimeField(blank=True, null=True)),
                ('revocation_reason', models.CharField(blank=True, max_length=300)),
                ('badge', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='awards', to='gamification.badge')),
                ('cohort', models.ForeignKey(blank=True, help_text='Where it was earned.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='cohorts.cohort')),
                ('learner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='badge_awards', to=settings.AUTH_USER_MODEL)),
                ('organization', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='cohorts.organization')),
                ('revoked_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('source_event', models.ForeignKey(blank=True, help_text='The event that completed the criterion.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='core.event')),
            ],
            options={
                'ordering': ['-awarded_at'],
            },
        ),
        migrations.CreateModel(
            name='BadgeProgress',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('week', models.DateField()),
                ('count', models.PositiveIntegerField(default=0)),
                ('badge', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='gamification.badge')),
                ('learner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name_plural': 'badge progress',
            },
        ),
        migrations.CreateModel(
            name='SigningKey',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('private_pem', models.TextField(editable=False)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('organization', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='badge_signing_key', to='cohorts.organization')),
            ],
        ),
        migrations.AddConstraint(
            model_name='badge',
            constraint=models.UniqueConstraint(fields=('organization', 'code'), name='one_badge_per_code'),
        ),
        migrations.AddConstraint(
            model_name='badge',
            constraint=models.UniqueConstraint(condition=models.Q(('organization__isnull', True)), fields=('code',), name='one_default_badge_per_code'),
        ),
        migrations.AddIndex(
            model_name='badgeaward',
            index=models.Index(fields=['learner', '-awarded_at'], name='gamificatio_learner_101696_idx'),
        ),
        migrations.AddConstraint(
            model_name='badgeaward',
            constraint=models.UniqueConstraint(fields=('badge', 'learner'), name='one_award_per_badge_and_learner'),
        ),
        migrations.AddConstraint(
            model_name='badgeprogress',
            constraint=models.UniqueConstraint(fields=('badge', 'learner', 'week'), name='one_progress_row_per_week'),
        ),
        migrations.RunPython(add_default_badges, migrations.RunPython.noop),
    ]
