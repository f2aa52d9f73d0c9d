"""Live sessions in the Django admin, read-only: HR admins look up a session, its
answers and its attendance. Sessions are scheduled, changed and cancelled on the
portal (through the services), so every change raises the calendar SEQUENCE and
reaches the invitees."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html

from core.admin_site import OrgScopedAdmin, OrgScopedInlineMixin, admin_site

from .models import Attendance, Rsvp, Touchpoint


class ReadOnlyInline(OrgScopedInlineMixin, admin.TabularInline):
    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RsvpInline(ReadOnlyInline):
    model = Rsvp
    fields = ["user", "response", "responded_at"]
    verbose_name_plural = "answers (RSVP)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


class AttendanceInline(ReadOnlyInline):
    model = Attendance
    fields = ["user", "attended", "recorded_by", "recorded_at"]
    verbose_name_plural = "attendance"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "recorded_by")


@admin.register(Touchpoint, site=admin_site)
class TouchpointAdmin(OrgScopedAdmin):
    read_only = True
    list_display = ["title", "cohort", "squad", "starts_at", "duration_minutes", "capacity", "status"]
    list_filter = [("cohort", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "agenda", "room"]
    list_select_related = ["cohort", "squad"]
    date_hierarchy = "starts_at"
    inlines = [RsvpInline, AttendanceInline]
    fields = ["title", "cohort", "squad", "starts_at", "duration_minutes", "agenda", "join_url", "room",
              "capacity", "uid", "sequence", "created_by", "created_at", "updated_at", "cancelled_at",
              "cancel_reason", "portal_page"]

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def get_actions(self, request):
        return {}

    @admin.display(description="Status")
    def status(self, touchpoint: Touchpoint) -> str:
        return f"Cancelled {touchpoint.cancelled_at:%d %b %Y}" if touchpoint.is_cancelled else "Scheduled"

    @admin.display(description="On the portal")
    def portal_page(self, touchpoint: Touchpoint) -> str:
        return format_html('<a href="{}">Open the session page</a>', touchpoint.get_absolute_url())
