from django.contrib import admin

from .admin_site import ReadOnlyOrgScopedAdmin, admin_site
from .models import AuditEntry, ConsumedEvent, Event


@admin.register(AuditEntry, site=admin_site)
class AuditEntryAdmin(ReadOnlyOrgScopedAdmin):
    view_permission = "audit.view"
    list_display = ["created_at", "actor", "action", "target_type", "target_repr"]
    list_filter = ["action", "target_type"]
    search_fields = ["target_repr", "actor__email", "action"]
    date_hierarchy = "created_at"
    list_select_related = ["actor"]
    readonly_fields = ["created_at", "actor", "action", "target_type", "target_id",
                       "target_repr", "changes", "organization"]


class ConsumedInline(admin.TabularInline):
    model = ConsumedEvent
    extra = 0
    can_delete = False
    readonly_fields = ["consumer", "consumed_at"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Event, site=admin_site)
class EventAdmin(ReadOnlyOrgScopedAdmin):
    view_permission = "audit.view"
    list_display = ["occurred_at", "verb", "actor", "cohort", "subject_type", "subject_id"]
    list_filter = ["verb"]
    search_fields = ["verb", "subject_id", "actor__email"]
    date_hierarchy = "occurred_at"
    list_select_related = ["actor", "cohort"]
    readonly_fields = ["id", "occurred_at", "organization", "cohort", "actor", "verb",
                       "subject_type", "subject_id", "payload"]
    inlines = [ConsumedInline]


def _register_beat_schedules() -> None:
    """Periodic-task schedules (django-celery-beat) are platform-wide, so only
    platform operators see them: their admin classes use Django's model
    permissions, which HR admins do not hold."""
    from django_celery_beat import admin as beat_admin
    from django_celery_beat import models as beat_models

    for model, model_admin in (
        (beat_models.PeriodicTask, beat_admin.PeriodicTaskAdmin),
        (beat_models.IntervalSchedule, admin.ModelAdmin),
        (beat_models.CrontabSchedule, beat_admin.CrontabScheduleAdmin),
        (beat_models.SolarSchedule, admin.ModelAdmin),
        (beat_models.ClockedSchedule, beat_admin.ClockedScheduleAdmin),
    ):
        admin_site.register(model, model_admin)


_register_beat_schedules()
