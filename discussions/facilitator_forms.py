"""Forms of the facilitator pages: prompt authoring (with a formset of roles),
role swaps, Top Take picks and the moderation actions. They only check input;
the services hold the rules."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django import forms
from django.forms import formset_factory
from django.utils import timezone

from core.widgets import ZonedDateTimeField

from .models import FlagOutcome
from .services.moderation import MESSAGE_MAX_LENGTH


class PromptForm(forms.Form):
    title = forms.CharField(max_length=200)
    body = forms.CharField(label="Prompt", widget=forms.Textarea(attrs={"rows": 6}),
                           help_text="Markdown: **bold**, lists, links.")
    due_at = ZonedDateTimeField(label="Due")
    minutes = forms.IntegerField(label="Effort in minutes", min_value=1, max_value=600, initial=20)
    step = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, cohort, **kwargs):
        super().__init__(*args, **kwargs)
        self.cohort = cohort
        self.fields["due_at"] = ZonedDateTimeField(
            label="Due", tz=cohort.timezone,
            help_text=f"In the cohort's timezone ({cohort.timezone}).")

    def clean_due_at(self):
        due_at = self.cleaned_data["due_at"]
        if due_at is not None and due_at <= timezone.now():
            raise forms.ValidationError("The due date has passed; choose a later one.")
        return due_at


class RoleForm(forms.Form):
    """One role row; a row left entirely empty is ignored."""

    name = forms.CharField(max_length=40, required=False)
    deliverable = forms.CharField(max_length=300, required=False)
    min_words = forms.IntegerField(label="Min words", min_value=1, max_value=2000, required=False)
    max_words = forms.IntegerField(label="Max words", min_value=1, max_value=2000, required=False)

    def clean(self):
        data = super().clean()
        if self.is_empty_row(data):
            return data
        if not (data.get("name") or "").strip():
            self.add_error("name", "Give this role a name, or tick Remove.")
        if not (data.get("deliverable") or "").strip():
            self.add_error("deliverable", "Say what this role must deliver.")
        low, high = data.get("min_words"), data.get("max_words")
        if low is None:
            self.add_error("min_words", "Enter the fewest words.")
        if high is None:
            self.add_error("max_words", "Enter the most words.")
        if low is not None and high is not None and high < low:
            self.add_error("max_words", "The maximum must be at least the minimum.")
        return data

    @staticmethod
    def is_empty_row(data: dict) -> bool:
        return not any((data.get(name) not in (None, "")) for name in
                       ("name", "deliverable", "min_words", "max_words"))


RoleFormSet = formset_factory(RoleForm, extra=1, can_delete=True, max_num=12, validate_max=True)


def role_rows(formset) -> list[tuple[int, dict]]:
    """(form index, role spec) for the rows to save: not removed, not empty."""
    rows = []
    for index, form in enumerate(formset.forms):
        data = form.cleaned_data
        if not data or data.get("DELETE") or RoleForm.is_empty_row(data):
            continue
        rows.append((index, {"name": data["name"].strip(), "deliverable": data["deliverable"].strip(),
                             "min_words": data["min_words"], "max_words": data["max_words"]}))
    return rows


def posted_role_rows(data, prefix: str = "roles") -> list[dict]:
    """The role rows as typed (for "add a row" without validating), minus removed ones."""
    try:
        total = min(int(data.get(f"{prefix}-TOTAL_FORMS", 0)), 12)
    except ValueError:
        total = 0
    rows = []
    for index in range(total):
        if data.get(f"{prefix}-{index}-DELETE"):
            continue
        rows.append({name: data.get(f"{prefix}-{index}-{name}", "")
                     for name in ("name", "deliverable", "min_words", "max_words")})
    return rows


def step_initial(step, cohort) -> dict:
    """A prompt prefilled from a journey step: due at the end of the step's due day, cohort time."""
    due = dt.datetime.combine(step.due_on, dt.time(23, 59), tzinfo=zoneinfo.ZoneInfo(cohort.timezone))
    return {"title": step.title, "body": step.description, "minutes": step.minutes, "due_at": due,
            "step": step.pk}


class SwapForm(forms.Form):
    first = forms.TypedChoiceField(label="Member", coerce=int)
    second = forms.TypedChoiceField(label="swaps roles with", coerce=int)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "Choose a member"),
                   *((a.user_id, f"{a.user.display_name} ({a.role or 'contributor'})") for a in members)]
        self.fields["first"].choices = choices
        self.fields["second"].choices = choices

    def clean(self):
        data = super().clean()
        if data.get("first") and data.get("first") == data.get("second"):
            self.add_error("second", "Choose two different members.")
        return data


class TopTakeForm(forms.Form):
    reason = forms.CharField(label="Why it stands out", max_length=200,
                             help_text="One line; learners see it with the Top Take.")


class FlagResolveForm(forms.Form):
    outcome = forms.ChoiceField(choices=FlagOutcome.choices, widget=forms.RadioSelect)
    note = forms.CharField(max_length=300, required=False)


class AuthorMessageForm(forms.Form):
    text = forms.CharField(label="Message", max_length=MESSAGE_MAX_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 4}),
                           help_text="The author sees it in their notifications, with a link to the post.")


class ModeratorForm(forms.Form):
    membership = forms.IntegerField()
