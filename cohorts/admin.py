from django.contrib import admin

from core.admin_site import OrgScopedAdmin, OrgScopedInlineMixin, admin_site

from .models import (
    Cohort,
    CohortMembership,
    CohortStep,
    JourneyStep,
    JourneyTemplate,
    Organization,
    OrganizationMembership,
    Squad,
    User,
)


@admin.register(Organization, site=admin_site)
class OrganizationAdmin(OrgScopedAdmin):
    list_display = ["name", "slug", "default_timezone", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def has_add_permission(self, request):
        # New tenants are created by platform operators.
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class OrgRoleInline(OrgScopedInlineMixin, admin.TabularInline):
    model = OrganizationMembership
    fk_name = "user"
    extra = 0
    fields = ["role", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(User, site=admin_site)
class UserAdmin(OrgScopedAdmin):
    organization_field = "organization"
    list_display = ["email", "full_name", "title", "department", "is_active", "date_joined"]
    list_filter = ["is_active", "department"]
    search_fields = ["email", "full_name", "department"]
    ordering = ["full_name", "email"]
    readonly_fields = ["date_joined", "last_login"]
    inlines = [OrgRoleInline]

    def get_fields(self, request, obj=None):
        fields = ["email", "full_name", "title", "department", "timezone", "locale", "is_active",
                  "date_joined", "last_login"]
        if request.user.is_superuser:
            fields = ["organization", *fields, "is_staff", "is_superuser"]
        return fields

    def save_model(self, request, obj, form, change):
        if not change and not obj.has_usable_password():
            obj.set_unusable_password()
        super().save_model(request, obj, form, change)

    def prepare_inline(self, request, parent, instance) -> None:
        instance.organization_id = parent.organization_id


@admin.register(OrganizationMembership, site=admin_site)
class OrganizationMembershipAdmin(OrgScopedAdmin):
    organization_field = "organization"
    list_display = ["user", "role", "organization", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "user__full_name"]
    autocomplete_fields = ["user"]
    list_select_related = ["user", "organization"]


class JourneyStepInline(OrgScopedInlineMixin, admin.TabularInline):
    model = JourneyStep
    extra = 1
    fields = ["week", "day_offset", "kind", "title", "minutes", "order", "description"]


@admin.register(JourneyTemplate, site=admin_site)
class JourneyTemplateAdmin(OrgScopedAdmin):
    organization_field = "organization"
    list_display = ["name", "weeks", "created_at"]
    search_fields = ["name"]
    inlines = [JourneyStepInline]


class SquadInline(OrgScopedInlineMixin, admin.TabularInline):
    model = Squad
    extra = 0
    fields = ["name"]


class CohortStepInline(OrgScopedInlineMixin, admin.TabularInline):
    model = CohortStep
    extra = 0
    fields = ["week", "kind", "title", "minutes", "opens_on", "due_on"]


@admin.register(Cohort, site=admin_site)
class CohortAdmin(OrgScopedAdmin):
    organization_field = "organization"
    list_display = ["name", "state", "start_date", "end_date", "timezone", "journey_template"]
    list_filter = ["state"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    date_hierarchy = "start_date"
    list_select_related = ["journey_template"]
    inlines = [SquadInline, CohortStepInline]


@admin.register(Squad, site=admin_site)
class SquadAdmin(OrgScopedAdmin):
    list_display = ["name", "cohort", "created_at"]
    list_filter = [("cohort", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "cohort__name"]
    list_select_related = ["cohort"]


@admin.register(CohortMembership, site=admin_site)
class CohortMembershipAdmin(OrgScopedAdmin):
    list_display = ["user", "cohort", "role", "squad", "joined_at"]
    list_filter = ["role", ("cohort", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["user__email", "user__full_name", "cohort__name"]
    autocomplete_fields = ["user"]
    list_select_related = ["user", "cohort", "squad"]
