"""Portal forms of the touchpoints app. They only shape input; the service decides
the rules (length, place, capacity, timing) and its messages land here with what the
facilitator typed kept."""

from __future__ import annotations

from django import forms

from core.widgets import ZonedDateTimeField

from .models import MAX_MINUTES, MIN_MINUTES, Touchpoint
from .services import CANCEL_REASON_MAX_LENGTH


class TouchpointForm(forms.Form):
    title = forms.CharField(max_length=Touchpoint._meta.get_field("title").max_length,
                            error_messages={"required": "Give the session a title."})
    squad = forms.ModelChoiceField(
        label="Who is invited", queryset=None, required=False, empty_label="The whole cohort",
        help_text="A squad-only session invites that squad and the cohort's facilitators and experts.",
        error_messages={"invalid_choice": "Choose a squad of this cohort."})
    starts_at = ZonedDateTimeField(label="Starts")
    duration_minutes = forms.IntegerField(
        label="Length in minutes", initial=20,
        widget=forms.NumberInput(attrs={"min": MIN_MINUTES, "max": MAX_MINUTES, "step": 5}),
        help_text=f"{MIN_MINUTES} to {MAX_MINUTES} minutes.",
        error_messages={"required": "Say how long the session lasts.",
                        "invalid": "Enter a number of minutes."})
    agenda = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 5}),
                             help_text="What you will cover; invitees see it in the invitation.")
    join_url = forms.URLField(label="Join link", required=False, max_length=500, assume_scheme="https",
                              help_text="The video call link. Give a join link, a room, or both.",
                              error_messages={"invalid": "Enter a full link, starting with https://."})
    room = forms.CharField(required=False, max_length=200, help_text="Where to meet in person.")
    capacity = forms.IntegerField(
        required=False, min_value=1, help_text="Places for people who say yes; leave empty for no limit.",
        error_messages={"min_value": "Offer at least one place.", "invalid": "Enter a number of places."})

    def __init__(self, *args, cohort, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["starts_at"] = ZonedDateTimeField(
            label="Starts", tz=cohort.timezone, help_text=f"In the cohort's timezone ({cohort.timezone}).",
            error_messages={"required": "Say when the session starts.",
                            "invalid": "Enter a date and time."})
        if editing:
            del self.fields["squad"]  # the invitees stay those who were invited
        else:
            self.fields["squad"].queryset = cohort.squads.order_by("name")

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("squad", None)
        return data


class CancelForm(forms.Form):
    reason = forms.CharField(
        max_length=CANCEL_REASON_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The invitees are told, with the cancellation of their calendar entry.",
        error_messages={"required": "Say why the session is cancelled; the invitees are told."})
