"""Forms of the learner pages of peer review. They only shape input; the services
hold the rules (windows, word and file limits, calibration first) and their
messages land on these forms with what the person typed kept."""

from __future__ import annotations

from django import forms

from .selectors import points_text
from .services import ALLOWED_EXTENSIONS, MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS
from .services.reviewing import MAX_COMMENT_CHARS


def attachment_limits() -> str:
    """The file rules in words, shown beside the file input."""
    types = ", ".join(sorted(ALLOWED_EXTENSIONS))
    return (
        f"Up to {MAX_ATTACHMENTS} files in all, {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB each. "
        f"Accepted types: {types}."
    )


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; the service checks their types, sizes and count."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ",".join(sorted(ALLOWED_EXTENSIONS))}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        single = super().clean
        return [cleaned for cleaned in (single(item, initial) for item in files if item) if cleaned]


class SubmissionForm(forms.Form):
    body = forms.CharField(
        label="Your submission",
        widget=forms.Textarea(attrs={"rows": 14}),
        strip=False,
        error_messages={"required": "Write your submission (Markdown is fine)."},
        help_text="Markdown works: **bold**, _italic_, lists, links, headings.",
    )
    attachments = MultipleFileField(label="Attach files (optional)", required=False)
    remove_attachments = forms.TypedMultipleChoiceField(
        label="Leave out of the new version",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, current_attachments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = attachment_limits()
        current = list(current_attachments)
        if current:
            self.fields["remove_attachments"].choices = [(a.pk, a.name) for a in current]
        else:
            del self.fields["remove_attachments"]

    def removed_ids(self) -> list[int]:
        return list(self.cleaned_data.get("remove_attachments") or [])


class RubricForm(forms.Form):
    """A radio group per criterion listing its levels (descriptor and points);
    with ``with_comments`` a comment box per criterion too."""

    with_comments = False

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for criterion in self.criteria:
            choices = []
            for index, level in enumerate(criterion.levels.all()):
                points = points_text(level.points)
                choices.append((index, f"{level.descriptor} ({points} point{'' if points == '1' else 's'})"))
            self.fields[f"level_{criterion.pk}"] = forms.TypedChoiceField(
                label=criterion.title,
                choices=choices,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": f"Choose a level for \u201c{criterion.title}\u201d."},
            )
            if self.with_comments:
                self.fields[f"comment_{criterion.pk}"] = forms.CharField(
                    label=f"Comment on \u201c{criterion.title}\u201d (optional)",
                    required=False,
                    max_length=MAX_COMMENT_CHARS,
                    widget=forms.Textarea(attrs={"rows": 2}),
                    help_text=criterion.comment_prompt,
                )

    def rows(self) -> list[tuple]:
        """(criterion, its level field, its comment field or None) in rubric order."""
        return [
            (
                criterion,
                self[f"level_{criterion.pk}"],
                self[f"comment_{criterion.pk}"] if self.with_comments else None,
            )
            for criterion in self.criteria
        ]

    def levels(self) -> dict[int, int]:
        return {criterion.pk: self.cleaned_data[f"level_{criterion.pk}"] for criterion in self.criteria}


class CalibrationForm(RubricForm):
    # Not "example": the service reports on that key, and errors there belong above the form.
    example_id = forms.IntegerField(widget=forms.HiddenInput)


class ReviewForm(RubricForm):
    with_comments = True

    comment = forms.CharField(
        label="Overall comment",
        required=False,
        max_length=MAX_COMMENT_CHARS,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What works, and one thing to improve.",
    )

    def scored_levels(self) -> dict[int, tuple[int, str]]:
        """{criterion id: (level, comment)}, the shape review_submit takes."""
        return {
            criterion.pk: (
                self.cleaned_data[f"level_{criterion.pk}"],
                self.cleaned_data[f"comment_{criterion.pk}"],
            )
            for criterion in self.criteria
        }


RATING_CHOICES = [
    (1, "1 \u2013 not useful"),
    (2, "2"),
    (3, "3 \u2013 somewhat useful"),
    (4, "4"),
    (5, "5 \u2013 very useful"),
]


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        label="How useful was this review?",
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a rating from 1 (not useful) to 5 (very useful)."},
    )
    comment = forms.CharField(
        label="What helped, or what was missing (optional)",
        required=False,
        max_length=500,
        error_messages={"max_length": "Keep the comment under 500 characters."},
    )


class DisputeForm(forms.Form):
    reason = forms.CharField(
        label="Which criterion do you disagree with, and why?",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say which criterion you disagree with and why (a sentence or two)."},
        help_text="A facilitator or expert reads your work and its reviews again and answers here.",
    )
