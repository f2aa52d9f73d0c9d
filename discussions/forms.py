"""Portal forms of the learner pages. They only shape input; the services decide
the rules (length bounds, rate limit, locks) and their messages land on these
forms with the text the person typed kept."""

from django import forms

from .models import FlagReason

POST_ROWS = 6


class PostForm(forms.Form):
    body = forms.CharField(
        label="Your post", widget=forms.Textarea(attrs={"rows": POST_ROWS}), strip=False,
        error_messages={"required": "Write something first."},
        help_text="Markdown works: **bold**, _italic_, lists, links. @name mentions a cohort member.",
    )
    as_role = forms.BooleanField(required=False)

    def __init__(self, *args, role=None, prefix=None, **kwargs):
        super().__init__(*args, prefix=prefix, **kwargs)
        self.role = role
        if role is None:
            del self.fields["as_role"]
        else:
            self.fields["as_role"].label = f"Post as my {role.name} paragraph"
            if not self.is_bound:
                self.fields["as_role"].initial = True


class ReplyForm(forms.Form):
    body = forms.CharField(label="Your reply", widget=forms.Textarea(attrs={"rows": 3}), strip=False,
                           error_messages={"required": "Write something first."})


class EditForm(forms.Form):
    body = forms.CharField(label="Your post", widget=forms.Textarea(attrs={"rows": POST_ROWS}), strip=False,
                           error_messages={"required": "Write something first."})


class EndorseForm(forms.Form):
    text = forms.CharField(
        label="Why it helped (optional, one line)", required=False, max_length=140,
        error_messages={"max_length": "Keep the endorsement to one line (140 characters)."})


class FlagForm(forms.Form):
    reason = forms.ChoiceField(label="Why are you flagging this post?", choices=FlagReason.choices,
                               widget=forms.RadioSelect,
                               error_messages={"required": "Choose why you are flagging this post."})
    note = forms.CharField(label="Anything a facilitator should know (optional)", required=False,
                           max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class MicrotaskDoneForm(forms.Form):
    comment = forms.CharField(label="How did it go? (optional, shows in the cohort feed)", required=False,
                              max_length=280,
                              error_messages={"max_length": "Keep the comment short (280 characters)."})
