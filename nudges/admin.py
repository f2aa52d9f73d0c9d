"""Nudges in the Django admin. HR admins edit their organisation's rules (with a
preview of the message for one learner of the audience) and delivery settings, and
read the delivery log, where failed messages can be sent again. The periodic
evaluation's schedule is under "Periodic tasks" (django-celery-beat)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from core import policy
from core.admin_site import OrganizationFormAdmin, OrgScopedAdmin, admin_site

from . import rendering, services, triggers
from .models import DeliverySettings, Digest, Message, MessageState, NudgeRule


class NudgeRuleForm(forms.ModelForm):
    class Meta:
        model = NudgeRule
        fields = ["organization", "code", "name", "trigger", "days", "hours_before", "cohort", "squad",
                  "role", "subject", "body_text", "body_html", "send_email", "send_in_app", "mode",
                  "is_active"]

    def __init__(self, *args, organization_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization_id = organization_id

    def _template(self, name: str) -> str:
        source = self.cleaned_data.get(name) or ""
        problem = rendering.check(source)
        if problem:
            raise forms.ValidationError(f"The template has an error: {problem}")
        return source

    def clean_subject(self):
        return self._template("subject")

    def clean_body_text(self):
        return self._template("body_text")

    def clean_body_html(self):
        return self._template("body_html")

    def clean(self):
        data = super().clean()
        organization = data.get("organization")
        organization_id = organization.pk if organization is not None else (
            self.organization_id or self.instance.organization_id)
        code = data.get("code")
        if code and NudgeRule.objects.filter(organization_id=organization_id, code=code).exclude(
                pk=self.instance.pk).exists():
            self.add_error("code", "Your organisation already has a rule with this code; edit that one.")
        if not (data.get("send_email") or data.get("send_in_app")):
            self.add_error("send_email", "Choose at least one channel: email, in-app or both.")
        cohort, squad = data.get("cohort"), data.get("squad")
        if squad is not None and (cohort is None or squad.cohort_id != cohort.pk):
            self.add_error("squad", "Choose a squad of the rule's cohort (and the cohort first).")
        return data


VARIABLES_HELP = "Variables: " + ", ".join(
    f"{{{{ {name} }}}} ({text.lower()})" for name, text in rendering.VARIABLES.items())


@admin.register(NudgeRule, site=admin_site)
class NudgeRuleAdmin(OrganizationFormAdmin):
    form = NudgeRuleForm
    organization_field = "organization"
    view_permission = change_permission = "nudges.rules.manage"
    list_display = ["name", "trigger", "audience", "mode", "channels_shown", "is_active"]
    list_filter = ["trigger", "mode", "is_active"]
    search_fields = ["name", "code", "subject"]
    list_select_related = ["cohort", "squad"]
    readonly_fields = ["preview"]
    fieldsets = [
        (None, {"fields": ["organization", "code", "name", "trigger", "days", "hours_before", "mode",
                           "is_active"]}),
        ("Audience", {"fields": ["cohort", "squad", "role"]}),
        ("Message", {"fields": ["subject", "body_text", "body_html", "send_email", "send_in_app", "preview"],
                     "description": VARIABLES_HELP}),
    ]

    @admin.display(description="Audience")
    def audience(self, rule: NudgeRule) -> str:
        where = rule.cohort.name if rule.cohort_id else "Every cohort"
        if rule.squad_id:
            where += f" · {rule.squad.name}"
        return f"{where} · {rule.get_role_display()}"

    @admin.display(description="Channels")
    def channels_shown(self, rule: NudgeRule) -> str:
        return ", ".join(rule.channels)

    @admin.display(description="Preview")
    def preview(self, rule: NudgeRule) -> str:
        if rule is None or rule.pk is None:
            return "Save the rule to preview it for a learner of its audience."
        membership = (triggers.audience(rule).select_related("user")
                      .order_by("user__full_name", "user_id").first())
        if membership is None:
            return "Nobody in this rule's audience yet."
        result = services.rule_preview(rule=rule, learner=membership.user)
        return format_html("<p><em>As {} would read it:</em></p><p><strong>{}</strong></p>"
                           "<pre style=\"white-space: pre-wrap\">{}</pre>",
                           result["learner"], result["subject"], result["body_text"])


@admin.register(DeliverySettings, site=admin_site)
class DeliverySettingsAdmin(OrgScopedAdmin):
    organization_field = "organization"
    list_display = ["organization", "weekly_cap", "window_start", "window_end", "weekdays_only"]
    fields = ["organization", "weekly_cap", "window_start", "window_end", "weekdays_only"]

    def has_add_permission(self, request):
        # One row per organisation: made with the house rules, then edited.
        return super().has_add_permission(request) and (
            request.user.is_superuser
            or not DeliverySettings.objects.filter(organization_id=request.user.organization_id).exists())


class FailedFilter(admin.SimpleListFilter):
    title = "attempts"
    parameter_name = "retried"

    def lookups(self, request, model_admin):
        return [("yes", "Tried more than once"), ("no", "Tried at most once")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(attempts__gt=1)
        if self.value() == "no":
            return queryset.filter(attempts__lte=1)
        return queryset


@admin.register(Message, site=admin_site)
class MessageAdmin(OrgScopedAdmin):
    """The delivery log: read-only; failed messages can be queued again."""

    read_only = True
    list_display = ["created_at", "recipient", "topic", "channel", "state", "attempts", "short_error",
                    "sent_at"]
    list_filter = ["state", "topic", "channel", FailedFilter]
    search_fields = ["user__email", "user__full_name", "subject"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    actions = ["retry_failed"]
    fields = ["user", "cohort", "rule", "sender", "topic", "channel", "state", "reason", "attempts",
              "last_error", "subject", "body_text", "link", "obligation", "key", "group", "created_at",
              "not_before", "enqueued_at", "decided_by", "decided_at", "sent_at"]

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_retry_permission(self, request) -> bool:
        return policy.allows(request.user, "admin.access")

    @admin.display(description="To", ordering="user__email")
    def recipient(self, message: Message) -> str:
        user = message.user
        return f"{user.full_name} <{user.email}>" if user.full_name else user.email

    @admin.display(description="Last error")
    def short_error(self, message: Message) -> str:
        return message.last_error[:80] if message.state == MessageState.FAILED else ""

    @admin.action(description="Retry selected failed messages", permissions=["retry"])
    def retry_failed(self, request, queryset):
        queued = services.messages_retry(actor=request.user, messages=queryset)
        skipped = queryset.count() - queued
        self.message_user(request, f"{queued} failed message{'s' if queued != 1 else ''} queued again.",
                          messages.SUCCESS if queued else messages.WARNING)
        if skipped:
            were = "s were" if skipped != 1 else " was"
            self.message_user(request, f"{skipped} selected message{were} not failed and left as they were.",
                              messages.INFO)


@admin.register(Digest, site=admin_site)
class DigestAdmin(OrgScopedAdmin):
    """The Top Take digests: read-only here (the ranking is the week's; facilitators
    write the intro on the cohort's digest page before it goes out)."""

    read_only = True
    list_display = ["cohort", "week_start", "state", "items_count", "recipients", "send_at", "sent_at",
                    "portal_link"]
    list_filter = ["state"]
    search_fields = ["cohort__name"]
    list_select_related = ["cohort"]
    fields = ["cohort", "week_start", "state", "intro", "recipients", "send_at", "sent_at", "edited_by",
              "portal_link"]

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    @admin.display(description="Items")
    def items_count(self, digest: Digest) -> int:
        return len(digest.items)

    @admin.display(description="In the portal")
    def portal_link(self, digest: Digest) -> str:
        return format_html('<a href="{}">Open</a>', reverse("nudges:digest", args=[digest.pk]))
