import datetime as dt

from django import forms
from django.utils import timezone

from core.widgets import FastSelect

from .models import TIMEZONE_CHOICES, CohortRole, JourneyTemplate

LOCALE_CHOICES = [("en", "English"), ("de", "Deutsch"), ("fr", "Français"), ("es", "Español")]


class ProfileForm(forms.Form):
    full_name = forms.CharField(max_length=150, required=False)
    title = forms.CharField(label="Job title", max_length=150, required=False)
    department = forms.CharField(max_length=150, required=False)
    timezone = forms.ChoiceField(choices=TIMEZONE_CHOICES, widget=FastSelect,
                                 help_text="Due dates and reminders use this timezone.")
    locale = forms.ChoiceField(label="Language", choices=LOCALE_CHOICES)


class CohortCreateForm(forms.Form):
    name = forms.CharField(max_length=200)
    template = forms.ModelChoiceField(
        queryset=JourneyTemplate.objects.none(), required=False, empty_label="No template",
        help_text="The template's weekly steps are copied with dates shifted to the start date.",
    )
    start_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave empty to use the template's length.",
    )
    timezone = forms.ChoiceField(choices=TIMEZONE_CHOICES, initial="UTC", widget=FastSelect)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    activate = forms.BooleanField(required=False, initial=True,
                                  help_text="Active cohorts show on their members' \"This week\".")

    def __init__(self, *args, templates=None, **kwargs):
        super().__init__(*args, **kwargs)
        if templates is not None:
            self.fields["template"].queryset = templates
        if not self.is_bound:
            today = timezone.localdate()
            # Next Monday: cohorts usually start at the beginning of a week.
            self.fields["start_date"].initial = today + dt.timedelta(days=(7 - today.weekday()) % 7 or 7)

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The cohort must end on or after its start date.")
        return data


class MemberAddForm(forms.Form):
    email = forms.EmailField(help_text="Someone in your organisation.")
    role = forms.ChoiceField(choices=CohortRole.choices, initial=CohortRole.LEARNER)
    squad = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)

    def __init__(self, *args, squads=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["squad"].choices = [("", "No squad yet"), *((s.pk, s.name) for s in squads)]


class SquadForm(forms.Form):
    name = forms.CharField(label="New squad", max_length=100)


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What will use it, e.g. \"HR dashboard sync\".")
