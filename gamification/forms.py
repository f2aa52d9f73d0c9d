"""Portal forms of the gamification app. They only shape input; the services decide
the rules (who may be thanked, length, rate limits) and their messages land on these
forms with what the person typed kept."""

from django import forms

from . import kudos_selectors
from .services.kudos import KUDOS_MAX_LENGTH


class KudosForm(forms.Form):
    """Thank a peer: the cohort and the person are limited to what the sender may use.
    Before a cohort is chosen, the people are the members of all of the sender's cohorts;
    once it is, that cohort's."""

    cohort = forms.ModelChoiceField(
        label="Cohort", queryset=None, empty_label="Choose a cohort",
        error_messages={"required": "Choose the cohort you are thanking them for.",
                        "invalid_choice": "Choose one of your cohorts."})
    recipient = forms.ModelChoiceField(
        label="Who are you thanking?", queryset=None, empty_label="Choose a peer",
        error_messages={"required": "Choose the peer you are thanking.",
                        "invalid_choice": "Choose a member of the cohort."})
    # No max_length here: the service counts characters after turning the browser's
    # \r\n into \n, as the textarea's maxlength does, and says so in its own words.
    message = forms.CharField(
        label="Your message", strip=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": KUDOS_MAX_LENGTH}),
        help_text=f"A short thank-you in plain text, {KUDOS_MAX_LENGTH} characters at most. "
                  "It shows on their page.",
        error_messages={"required": "Write a short thank-you first."})

    def __init__(self, *args, actor, cohort=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohort"].queryset = kudos_selectors.kudos_cohorts(actor)
        if cohort is not None:
            self.fields["recipient"].queryset = kudos_selectors.kudos_recipients(actor, cohort)
        else:
            self.fields["recipient"].queryset = kudos_selectors.kudos_recipients_anywhere(actor)
        self.fields["recipient"].label_from_instance = lambda user: user.display_name
