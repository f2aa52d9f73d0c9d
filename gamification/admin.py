"""Points and badges in the Django admin. HR admins edit their organisation's point
rules and badges and read the house defaults; to change a default for their
organisation they override it (the "Override for my organisation" action copies it
as their own). The ledger, totals, weekly points and kudos are read-only: points are
written by the event consumer alone, kudos by the people who send them. Badge awards
are read-only too, except for revoking them (with a reason, through the service).

Not here: badge progress (counters the consumer keeps) and the organisations' badge
signing keys. The private half of a key must never be shown, the public half is
published with every credential (credentials/issuers/<id>/key.json), and there is
nothing an HR admin could do with either."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.response import TemplateResponse

from core import audit, policy
from core.admin_site import OrganizationFormAdmin, OrgScopedAdmin, admin_site

from . import services
from .badge_models import Badge, BadgeAward
from .models import Kudos, LedgerEntry, PointRule, PointTotal, WeeklyPoints


class OwnCodeForm(forms.ModelForm):
    """A form for a model whose rows are house defaults (no organisation) or an
    organisation's own, one per code each."""

    code_taken_message = "Your organisation already has one with this code; edit that one."

    def __init__(self, *args, organization_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization_id = organization_id

    def clean_code(self):
        code = self.cleaned_data["code"]
        organization_id = self.cleaned_data.get("organization") or self.organization_id
        if hasattr(organization_id, "pk"):
            organization_id = organization_id.pk
        taken = self._meta.model.objects.filter(organization_id=organization_id, code=code)
        if taken.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(self.code_taken_message)
        return code


class PointRuleForm(OwnCodeForm):
    code_taken_message = "Your organisation already has a rule with this code; edit that one."

    class Meta:
        model = PointRule
        fields = ["organization", "code", "verb", "recipient", "points", "daily_cap", "history_text",
                  "is_active", "min_words", "min_rating", "min_accuracy", "only_first"]


class HouseDefaultsAdmin(OrganizationFormAdmin):
    """HR admins edit their organisation's rows and read the house defaults, which
    only platform operators change; "Override for my organisation" copies a default
    as the organisation's own."""

    organization_field = "organization"
    actions = ["override_for_my_organisation"]
    # What the override action says: the rows' name, and what to do next.
    copied_noun = ("row", "rows")
    copied_hint = "edit them to change them for your organisation."

    def has_view_permission(self, request, obj=None):
        # The house defaults have no organisation; HR admins read them to override them.
        if obj is not None and obj.organization_id is None:
            return policy.allows(request.user, self.view_permission)
        return super().has_view_permission(request, obj)

    @admin.display(description="Applies to")
    def applies_to(self, row) -> str:
        return row.organization.name if row.organization_id else "Every organisation (house default)"

    @admin.action(description="Override for my organisation (copy as our own)")
    def override_for_my_organisation(self, request, queryset):
        organization = request.user.organization
        if organization is None:
            self.message_user(request, "Only people of an organisation override house defaults.",
                              messages.ERROR)
            return
        model = queryset.model
        made = 0
        for row in queryset.filter(organization__isnull=True):
            if model.objects.filter(organization=organization, code=row.code).exists():
                continue
            with transaction.atomic():
                copy = model.objects.get(pk=row.pk)
                copy.pk = None
                copy.organization = organization
                copy.save()
                audit.record(actor=request.user, action="admin.add", target=copy, organization=organization,
                             changes=audit.diff({}, audit.snapshot(copy, self._audited(copy))))
            made += 1
        noun = self.copied_noun[0] if made == 1 else self.copied_noun[1]
        self.message_user(request, f"{made} {noun} copied; {self.copied_hint}", messages.SUCCESS)


@admin.register(PointRule, site=admin_site)
class PointRuleAdmin(HouseDefaultsAdmin):
    form = PointRuleForm
    view_permission = change_permission = "points.rules.manage"
    copied_noun = ("rule", "rules")
    copied_hint = "edit them to change the points for your organisation."
    list_display = ["code", "verb", "recipient", "points", "daily_cap", "conditions", "is_active",
                    "applies_to"]
    list_filter = ["verb", "is_active"]
    search_fields = ["code", "history_text"]
    fieldsets = [
        (None, {"fields": ["organization", "code", "verb", "recipient", "points", "daily_cap", "history_text",
                           "is_active"]}),
        ("Conditions", {"fields": ["min_words", "min_rating", "min_accuracy", "only_first"]}),
    ]

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


class BadgeForm(OwnCodeForm):
    code_taken_message = "Your organisation already has a badge with this code; edit that one."

    class Meta:
        model = Badge
        fields = ["organization", "code", "name", "description", "criteria_text", "icon", "colour",
                  "is_public", "is_active", "kind", "verb", "recipient", "threshold", "period_weeks",
                  "per_week", "min_words", "min_rating", "min_accuracy"]


@admin.register(Badge, site=admin_site)
class BadgeAdmin(HouseDefaultsAdmin):
    form = BadgeForm
    copied_noun = ("badge", "badges")
    copied_hint = "edit them to change the badges for your organisation."
    list_display = ["name", "code", "kind", "criterion", "is_public", "is_active", "applies_to"]
    list_filter = ["kind", "is_public", "is_active"]
    search_fields = ["name", "code", "description"]
    list_select_related = ["organization"]
    fieldsets = [
        (None, {"fields": ["organization", "code", "name", "description", "criteria_text", "icon", "colour",
                           "is_public", "is_active"]}),
        ("Criterion", {"fields": ["kind", "verb", "recipient", "threshold", "period_weeks", "per_week"]}),
        ("Conditions", {"fields": ["min_words", "min_rating", "min_accuracy"]}),
    ]

    @admin.display(description="Criterion")
    def criterion(self, badge: Badge) -> str:
        return badge.criterion_summary


class RevokedFilter(admin.SimpleListFilter):
    title = "revoked"
    parameter_name = "revoked"

    def lookups(self, request, model_admin):
        return [("yes", "Revoked"), ("no", "Standing")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(revoked_at__isnull=self.value() == "no")
        return queryset


class RevokeForm(forms.Form):
    reason = forms.CharField(
        max_length=BadgeAward._meta.get_field("revocation_reason").max_length,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        error_messages={"required": "Say why the badges are revoked; their earners see it."},
        help_text="The earners see it, and it goes into the audit log.")


@admin.register(BadgeAward, site=admin_site)
class BadgeAwardAdmin(OrgScopedAdmin):
    """Awards are made by the event consumer; an HR admin only revokes them."""

    read_only = True
    list_display = ["awarded_at", "badge", "learner", "cohort", "status"]
    list_filter = [("badge", admin.RelatedOnlyFieldListFilter), ("cohort", admin.RelatedOnlyFieldListFilter),
                   RevokedFilter]
    search_fields = ["learner__email", "learner__full_name", "badge__name", "badge__code"]
    list_select_related = ["badge", "learner", "cohort"]
    date_hierarchy = "awarded_at"
    actions = ["revoke_selected"]
    fields = ["badge", "learner", "cohort", "awarded_at", "source_event", "revoked_at", "revoked_by",
              "revocation_reason"]

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_revoke_permission(self, request) -> bool:
        return policy.allows(request.user, "badges.revoke")

    @admin.display(description="Status")
    def status(self, award: BadgeAward) -> str:
        return f"Revoked {award.revoked_at:%d %b %Y}" if award.is_revoked else "Awarded"

    @admin.action(description="Revoke selected awards", permissions=["revoke"])
    def revoke_selected(self, request, queryset):
        """Ask for the reason on a page of its own, then revoke each award through the
        service (audited, announced); awards already revoked are left as they are."""
        if not queryset.exists():  # ids of awards this admin cannot see
            self.message_user(request, "No awards were selected.", messages.WARNING)
            return None
        form = RevokeForm(request.POST if "post" in request.POST else None)
        if form.is_bound and form.is_valid():
            revoked, refused = 0, []
            for award in queryset.select_related("badge", "learner"):
                try:
                    services.badge_revoke(actor=request.user, award=award, reason=form.cleaned_data["reason"])
                except ValidationError as error:
                    refused.append(f"{award}: {' '.join(error.messages)}")
                    continue
                revoked += 1
            if revoked:
                self.message_user(request, f"{revoked} award{'s' if revoked != 1 else ''} revoked.",
                                  messages.SUCCESS)
            for message in refused:
                self.message_user(request, message, messages.WARNING)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Revoke badge awards",
            "opts": self.model._meta,
            "awards": queryset.select_related("badge", "learner", "cohort"),
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/gamification/badgeaward/revoke_confirmation.html", context)
