"""Portal forms of the nudges app. They only shape input; the services decide the rules
(template syntax, channels, squads, rate limits) and their messages land on these
forms with what the person typed kept."""

from __future__ import annotations

from django import forms

from cohorts.models import Squad

from . import selectors
from .models import AudienceRole, Channel, Mode, NudgeRule, Topic, Trigger
from .services.peer import NOTE_MAX

HOURS = [("", "None")] + [(str(h), f"{h:02d}:00") for h in range(24)]


def switch_name(topic: str, channel: str) -> str:
    return f"{topic}__{channel}"


class PreferencesForm(forms.Form):
    """One checkbox per topic and channel, and quiet hours (both ends or neither)."""

    quiet_start = forms.TypedChoiceField(label="Quiet from", choices=HOURS, coerce=int, empty_value=None,
                                         required=False)
    quiet_end = forms.TypedChoiceField(label="Quiet until", choices=HOURS, coerce=int, empty_value=None,
                                       required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for topic, topic_label in Topic.choices:
            for channel, channel_label in Channel.choices:
                self.fields[switch_name(topic, channel)] = forms.BooleanField(
                    label=f"{topic_label} by {channel_label.lower()}", required=False)

    def rows(self):
        """(topic label, [bound checkbox per channel]) for the table."""
        return [(topic_label, [self[switch_name(topic, channel)] for channel, _ in Channel.choices])
                for topic, topic_label in Topic.choices]

    def switches(self) -> dict[tuple[str, str], bool]:
        return {(topic, channel): self.cleaned_data[switch_name(topic, channel)]
                for topic in Topic.values for channel in Channel.values}

    @classmethod
    def initial_from(cls, preferences: selectors.Preferences) -> dict:
        initial = {switch_name(topic, channel): on for (topic, channel), on in preferences.switches().items()}
        initial["quiet_start"] = "" if preferences.quiet_start is None else str(preferences.quiet_start)
        initial["quiet_end"] = "" if preferences.quiet_end is None else str(preferences.quiet_end)
        return initial


class RuleForm(forms.Form):
    """A rule aimed at one cohort. The cohort is chosen when the rule is made."""

    cohort = forms.ModelChoiceField(label="Cohort", queryset=None, empty_label="Choose a cohort",
                                    error_messages={"required": "Choose the cohort the rule is for.",
                                                    "invalid_choice": "Choose a cohort you run."})
    name = forms.CharField(label="Name", max_length=120,
                           error_messages={"required": "Give the rule a name."})
    trigger = forms.ChoiceField(label="When is it due?", choices=Trigger.choices)
    days = forms.IntegerField(
        label="Days", min_value=1, max_value=90, initial=7,
        help_text="Inactive, first contribution, unanswered question: after this many days.")
    hours_before = forms.IntegerField(label="Hours before", min_value=1, max_value=168, initial=24,
                                      help_text="Review or micro-task due: this many hours before it is due.")
    squad = forms.ModelChoiceField(label="Squad", queryset=None, required=False, empty_label="Every squad",
                                   error_messages={"invalid_choice": "Choose a squad of the cohort."})
    role = forms.ChoiceField(label="Who", choices=AudienceRole.choices, required=False)
    subject = forms.CharField(label="Subject", max_length=200,
                              error_messages={"required": "A nudge needs a subject."})
    body_text = forms.CharField(label="Message (plain text)", strip=False,
                                widget=forms.Textarea(attrs={"rows": 7}),
                                error_messages={"required": "A nudge needs a message."})
    body_html = forms.CharField(label="HTML version (optional)", required=False, strip=False,
                                widget=forms.Textarea(attrs={"rows": 4}),
                                help_text="Empty: made from the plain text.")
    send_email = forms.BooleanField(label="Email", required=False, initial=True)
    send_in_app = forms.BooleanField(label="In-app notification", required=False, initial=True)
    mode = forms.ChoiceField(label="Mode", choices=Mode.choices, initial=Mode.APPROVAL)
    is_active = forms.BooleanField(label="Active", required=False, initial=True)

    FIELDS = ("name", "trigger", "days", "hours_before", "squad", "role", "subject", "body_text", "body_html",
              "send_email", "send_in_app", "mode", "is_active")

    def __init__(self, *args, actor, rule: NudgeRule | None = None, **kwargs):
        if rule is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(rule, name) for name in self.FIELDS} | {"squad": rule.squad_id}
        super().__init__(*args, **kwargs)
        self.rule = rule
        if rule is None:
            self.fields["cohort"].queryset = selectors.rule_cohorts(actor)
        else:
            del self.fields["cohort"]
        if rule is not None:
            cohort_id = rule.cohort_id
        else:
            cohort_id = self.data.get("cohort") or self.initial.get("cohort")
        squads = Squad.objects.filter(cohort__in=selectors.rule_cohorts(actor))
        if rule is not None or str(cohort_id or "").isdigit():
            squads = squads.filter(cohort_id=cohort_id)
        self.fields["squad"].queryset = squads.select_related("cohort").order_by("cohort__name", "name")
        self.fields["squad"].label_from_instance = (
            lambda squad: squad.name if rule is not None else f"{squad.cohort.name}: {squad.name}")

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}


class RemindForm(forms.Form):
    cohort = forms.ModelChoiceField(label="Cohort", queryset=None, empty_label="Choose a cohort",
                                    error_messages={"required": "Choose the cohort you share.",
                                                    "invalid_choice": "Choose one of your cohorts."})
    recipient = forms.ModelChoiceField(label="Who should be reminded?", queryset=None,
                                       empty_label="Choose a peer",
                                       error_messages={"required": "Choose the peer to remind.",
                                                       "invalid_choice": "Choose a member of the cohort."})
    note = forms.CharField(label="What about?", strip=False,
                           widget=forms.Textarea(attrs={"rows": 3, "maxlength": NOTE_MAX}),
                           help_text=f"One line, {NOTE_MAX} characters at most, "
                                     "e.g. \"our review is due Friday\".",
                           error_messages={"required": "Say what to remind them about."})

    def __init__(self, *args, actor, cohort=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohort"].queryset = selectors.remind_cohorts(actor)
        self.fields["recipient"].queryset = selectors.remind_recipients(actor, cohort)
        self.fields["recipient"].label_from_instance = lambda user: user.display_name
