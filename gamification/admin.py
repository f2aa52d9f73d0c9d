"""Points in the Django admin. HR admins edit their organisation's point rules and
read the house defaults; to change a default for their organisation they override
it (the "Override for my organisation" action copies it as their own rule). The
ledger, totals, weekly points and kudos are read-only: points are written by the
event consumer alone, kudos by the people who send them."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages

from core import audit, policy
from core.admin_site import OrgScopedAdmin, admin_site

from .models import Kudos, LedgerEntry, PointRule, PointTotal, WeeklyPoints


class PointRuleForm(forms.ModelForm):
    class Meta:
        model = PointRule
        fields = ["organization", "code", "verb", "recipient", "points", "daily_cap", "history_text",
                  "is_active", "min_words", "min_rating", "min_accuracy", "only_first"]

    def __init__(self, *args, organization_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization_id = organization_id

    def clean_code(self):
        code = self.cleaned_data["code"]
        organization_id = self.cleaned_data.get("organization") or self.organization_id
        if hasattr(organization_id, "pk"):
            organization_id = organization_id.pk
        taken = PointRule.objects.filter(organization_id=organization_id, code=code)
        if taken.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("Your organisation already has a rule with this code; edit that one.")
        return code


@admin.register(PointRule, site=admin_site)
class PointRuleAdmin(OrgScopedAdmin):
    form = PointRuleForm
    view_permission = change_permission = "points.rules.manage"
    organization_field = "organization"
    list_display = ["code", "verb", "recipient", "points", "daily_cap", "conditions", "is_active",
                    "applies_to"]
    list_filter = ["verb", "is_active"]
    search_fields = ["code", "history_text"]
    actions = ["override_for_my_organisation"]
    fieldsets = [
        (None, {"fields": ["organization", "code", "verb", "recipient", "points", "daily_cap", "history_text",
                           "is_active"]}),
        ("Conditions", {"fields": ["min_words", "min_rating", "min_accuracy", "only_first"]}),
    ]

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

    def has_view_permission(self, request, obj=None):
        # The house defaults have no organisation; HR admins read them to override them.
        if obj is not None and obj.organization_id is None:
            return policy.allows(request.user, self.view_permission)
        return super().has_view_permission(request, obj)

    @admin.display(description="Conditions")
    def conditions(self, rule: PointRule) -> str:
        parts = []
        if rule.min_words is not None:
            parts.append(f"at least {rule.min_words} words")
        if rule.min_rating is not None:
            parts.append(f"rating \u2265 {rule.min_rating}")
        if rule.min_accuracy is not None:
            parts.append(f"accuracy \u2265 {rule.min_accuracy:g}")
        if rule.only_first:
            parts.append("first time only")
        return ", ".join(parts) or "\u2013"

    @admin.display(description="Applies to")
    def applies_to(self, rule: PointRule) -> str:
        return rule.organization.name if rule.organization_id else "Every organisation (house default)"

    @admin.action(description="Override for my organisation (copy as our own rule)")
    def override_for_my_organisation(self, request, queryset):
        organization = request.user.organization
        if organization is None:
            self.message_user(request, "Only people of an organisation override rules.", messages.ERROR)
            return
        made = 0
        for rule in queryset.filter(organization__isnull=True):
            if PointRule.objects.filter(organization=organization, code=rule.code).exists():
                continue
            copy = PointRule.objects.get(pk=rule.pk)
            copy.pk = None
            copy.organization = organization
            copy.save()
            audit.record(actor=request.user, action="admin.add", target=copy, organization=organization,
                         changes={"code": [None, copy.code], "points": [None, copy.points]})
            made += 1
        self.message_user(request, f"{made} rule{'s' if made != 1 else ''} copied; edit them to change the "
                                   "points for your organisation.", messages.SUCCESS)


class ReadOnlyPointsAdmin(OrgScopedAdmin):
    read_only = True
    view_permission = "admin.access"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]


@admin.register(LedgerEntry, site=admin_site)
class LedgerEntryAdmin(ReadOnlyPointsAdmin):
    list_display = ["created_at", "learner", "cohort", "points", "text", "rule", "capped"]
    list_filter = ["rule__code", "capped"]
    search_fields = ["learner__email", "learner__full_name", "text"]
    list_select_related = ["learner", "cohort", "rule"]
    date_hierarchy = "created_at"


@admin.register(PointTotal, site=admin_site)
class PointTotalAdmin(ReadOnlyPointsAdmin):
    list_display = ["learner", "cohort", "points", "updated_at"]
    search_fields = ["learner__email", "learner__full_name"]
    list_select_related = ["learner", "cohort"]
    ordering = ["-points"]


@admin.register(WeeklyPoints, site=admin_site)
class WeeklyPointsAdmin(ReadOnlyPointsAdmin):
    list_display = ["learner", "cohort", "week", "points"]
    list_filter = ["week"]
    search_fields = ["learner__email", "learner__full_name"]
    list_select_related = ["learner", "cohort"]
    ordering = ["-week", "-points"]


@admin.register(Kudos, site=admin_site)
class KudosAdmin(ReadOnlyPointsAdmin):
    list_display = ["created_at", "sender", "recipient", "cohort", "message"]
    search_fields = ["sender__email", "recipient__email", "message"]
    list_select_related = ["sender", "recipient", "cohort"]
    date_hierarchy = "created_at"
