"""The Django admin for HR admins: every list, form and lookup goes through
the policy module, so an HR admin sees only their organisation."""

from __future__ import annotations

import contextlib

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from . import audit, policy


class PeerloopAdminSite(admin.AdminSite):
    site_header = "Peerloop administration"
    site_title = "Peerloop admin"
    index_title = "Your organisation"

    def has_permission(self, request) -> bool:
        return policy.allows(request.user, "admin.access")

    def login(self, request, extra_context=None):
        # One login page for everyone (allauth, with its throttling and reset).
        if request.user.is_authenticated and not self.has_permission(request):
            return redirect("portal:home")
        target = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
        return redirect(f"{reverse('account_login')}?{urlencode({REDIRECT_FIELD_NAME: target})}")


admin_site = PeerloopAdminSite(name="admin")


class OrgScopedAdmin(admin.ModelAdmin):
    """Base admin: scoped querysets, policy-decided permissions, related-field
    choices limited to the organisation, and an audit row for every change."""

    # Permission names asked of the policy for this model.
    view_permission = "admin.access"
    change_permission = "admin.access"
    # Set on models whose rows carry an organisation field filled in for the HR admin.
    organization_field: str | None = None
    audited_fields: list[str] | None = None
    read_only = False

    def get_queryset(self, request):
        return policy.scope(request.user, super().get_queryset(request))

    def has_module_permission(self, request):
        return policy.allows(request.user, self.view_permission)

    def has_view_permission(self, request, obj=None):
        return policy.allows(request.user, self.view_permission, obj)

    def has_add_permission(self, request):
        return not self.read_only and policy.allows(request.user, self.change_permission)

    def has_change_permission(self, request, obj=None):
        return not self.read_only and policy.allows(request.user, self.change_permission, obj)

    def has_delete_permission(self, request, obj=None):
        return not self.read_only and policy.allows(request.user, self.change_permission, obj)

    def get_exclude(self, request, obj=None):
        exclude = list(super().get_exclude(request, obj) or [])
        if self.organization_field and not request.user.is_superuser:
            exclude.append(self.organization_field)
        return exclude

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            with contextlib.suppress(TypeError):
                field.queryset = policy.scope(request.user, field.queryset)
        return field

    def _audited(self, obj) -> list[str]:
        if self.audited_fields is not None:
            return self.audited_fields
        return [
            f.name for f in obj._meta.concrete_fields
            if not f.primary_key and f.name not in {"password", "last_login"}
        ]

    def save_model(self, request, obj, form, change):
        if self.organization_field and not change and not request.user.is_superuser:
            setattr(obj, f"{self.organization_field}_id", request.user.organization_id)
        before = {}
        if change:
            original = type(obj).objects.filter(pk=obj.pk).first()
            if original is not None:
                before = audit.snapshot(original, self._audited(obj))
        super().save_model(request, obj, form, change)
        changes = audit.diff(before, audit.snapshot(obj, self._audited(obj)))
        if changes or not change:
            audit.record(
                actor=request.user,
                action=f"admin.{'change' if change else 'add'}",
                target=obj,
                organization=self._organization_of(obj),
                changes=changes,
            )

    def prepare_inline(self, request, parent, instance) -> None:
        """Fill in what an inline row inherits from its parent (override)."""

    def save_formset(self, request, form, formset, change):
        """Inline rows are audited like the parent: added, changed, deleted."""
        for obj in formset.save(commit=False):
            self.prepare_inline(request, form.instance, obj)
            fields = self._audited(obj)
            original = type(obj).objects.filter(pk=obj.pk).first() if obj.pk else None
            before = audit.snapshot(original, fields) if original is not None else {}
            obj.save()
            changes = audit.diff(before, audit.snapshot(obj, fields))
            if changes:
                audit.record(actor=request.user,
                             action=f"admin.{'change' if original is not None else 'add'}",
                             target=obj, organization=self._organization_of(obj), changes=changes)
        for obj in formset.deleted_objects:
            audit.record(actor=request.user, action="admin.delete", target=obj,
                         organization=self._organization_of(obj),
                         changes=audit.diff(audit.snapshot(obj, self._audited(obj)), {}))
            obj.delete()
        formset.save_m2m()

    def delete_model(self, request, obj):
        audit.record(actor=request.user, action="admin.delete", target=obj,
                     organization=self._organization_of(obj),
                     changes=audit.diff(audit.snapshot(obj, self._audited(obj)), {}))
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)

    @staticmethod
    def _organization_of(obj):
        from cohorts.models import Organization

        org_id = policy.organization_of(obj)
        return Organization.objects.filter(pk=org_id).first() if org_id else None


class OrgScopedInlineMixin:
    """Inline rows follow the same policy as their parent (Django's default
    would ask for model permissions, which HR admins do not hold)."""

    permission = "admin.access"

    def has_view_permission(self, request, obj=None):
        return policy.allows(request.user, self.permission, obj)

    def has_add_permission(self, request, obj=None):
        return policy.allows(request.user, self.permission, obj)

    def has_change_permission(self, request, obj=None):
        return policy.allows(request.user, self.permission, obj)

    def has_delete_permission(self, request, obj=None):
        return policy.allows(request.user, self.permission, obj)


class ReadOnlyOrgScopedAdmin(OrgScopedAdmin):
    read_only = True

    def get_actions(self, request):
        return {}


class OrganizationFormAdmin(OrgScopedAdmin):
    """For rows an HR admin owns in their organisation: the form gets the admin's
    organisation (`organization_id` keyword; None for operators, who choose it), and
    the "organization" field is hidden from everyone but operators."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        organization_id = None if request.user.is_superuser else request.user.organization_id

        class ScopedForm(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, organization_id=organization_id, **inner)

        return ScopedForm

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        first = dict(fieldsets[0][1])
        first["fields"] = [name for name in first["fields"] if name != "organization"]
        return [(fieldsets[0][0], first), *fieldsets[1:]]
