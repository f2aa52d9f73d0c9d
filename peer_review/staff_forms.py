"""Forms of the facilitator and expert pages of peer review: the rubric editor (fixed
rows of criteria and levels, no JavaScript needed), assignments, calibration examples,
and the level pickers of expert scores, checkpoints and regrade requests. They only
check input; the services hold the rules."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from core.errors import ApplicationError
from core.widgets import ZonedDateTimeField

from .models import DisputeOutcome, Rubric
from .services.rubrics import MAX_CRITERIA, MAX_LEVELS

CRITERION_ROWS, LEVEL_ROWS = 6, 5


def points_label(points) -> str:
    """2.00 as "2", 1.50 as "1.5": how people write points and weights."""
    return format(Decimal(str(points)).normalize(), "f")


def level_choice(index: int, level) -> str:
    """ "3 · 2 points · Clear": the level as people count them, its points and descriptor."""
    points = points_label(level.points)
    return f"{index + 1} · {points} point{'' if points == '1' else 's'} · {level.descriptor}"


# --- the rubric editor -----------------------------------------------------------------


_CRITERION_TEXT = ("title", "description", "comment_prompt")
_LEVEL_TEXT = ("points", "descriptor")


def _filled(data, name: str) -> bool:
    return bool((data.get(name) or "").strip())


def _level_filled(data, row: int, level: int) -> bool:
    return any(_filled(data, f"c{row}_l{level}_{name}") for name in _LEVEL_TEXT)


def _row_filled(data, row: int, level_rows: int) -> bool:
    """A criterion row counts once anything but its weight (prefilled with 1) is typed."""
    return any(_filled(data, f"c{row}_{name}") for name in _CRITERION_TEXT) or any(
        _level_filled(data, row, level) for level in range(level_rows)
    )


def _clamp(value, low: int, high: int, default: int) -> int:
    try:
        return max(low, min(high, int(value)))
    except (TypeError, ValueError):
        return default


def posted_rows(data) -> tuple[int, int]:
    """How many criterion and level rows the posted editor had."""
    return (
        _clamp(data.get("criterion_rows"), 1, MAX_CRITERIA, CRITERION_ROWS),
        _clamp(data.get("level_rows"), 2, MAX_LEVELS, LEVEL_ROWS),
    )


def more_rows(criterion_rows: int, level_rows: int) -> tuple[int, int]:
    return min(MAX_CRITERIA, criterion_rows + 2), min(MAX_LEVELS, level_rows + 1)


def compacted(data, criterion_rows: int, level_rows: int) -> dict:
    """The posted editor with its filled rows moved up, in order, and its empty rows last:
    the service numbers criteria as they come, and so does the page shown again."""
    result = {name: data.get(name, "") for name in ("title", "description")}
    rows = [row for row in range(criterion_rows) if _row_filled(data, row, level_rows)]
    for target, row in enumerate(rows):
        for name in (*_CRITERION_TEXT, "weight"):
            result[f"c{target}_{name}"] = data.get(f"c{row}_{name}", "")
        levels = [level for level in range(level_rows) if _level_filled(data, row, level)]
        for target_level, level in enumerate(levels):
            for name in _LEVEL_TEXT:
                result[f"c{target}_l{target_level}_{name}"] = data.get(f"c{row}_l{level}_{name}", "")
    for target in range(len(rows), criterion_rows):
        result[f"c{target}_weight"] = "1"
    return result


def rows_for(criteria: list[dict]) -> tuple[int, int]:
    """Enough rows for a rubric's criteria and levels, with blank ones to add more."""
    most_levels = max((len(c["levels"]) for c in criteria), default=0)
    return (
        min(MAX_CRITERIA, max(CRITERION_ROWS, len(criteria) + 1)),
        min(MAX_LEVELS, max(LEVEL_ROWS, most_levels)),
    )


def rubric_initial(rubric: Rubric | None, criteria: list[dict]) -> dict:
    """The editor's fields filled from a rubric and its criteria (``rubric_criteria_data``)."""
    initial = {"title": rubric.title, "description": rubric.description} if rubric else {}
    for row, criterion in enumerate(criteria):
        initial |= {
            f"c{row}_title": criterion["title"],
            f"c{row}_description": criterion["description"],
            f"c{row}_weight": points_label(criterion["weight"]),
            f"c{row}_comment_prompt": criterion["comment_prompt"],
        }
        for index, level in enumerate(criterion["levels"]):
            initial[f"c{row}_l{index}_points"] = points_label(level["points"])
            initial[f"c{row}_l{index}_descriptor"] = level["descriptor"]
    return initial


class CriterionRow:
    """The bound fields of one criterion row and its level rows, for the template."""

    def __init__(self, form: RubricForm, row: int):
        self.number = row + 1
        self.title = form[f"c{row}_title"]
        self.description = form[f"c{row}_description"]
        self.weight = form[f"c{row}_weight"]
        self.comment_prompt = form[f"c{row}_comment_prompt"]
        self.levels = [
            (index + 1, form[f"c{row}_l{index}_points"], form[f"c{row}_l{index}_descriptor"])
            for index in range(form.level_rows)
        ]
        texts = [self.title, self.description, self.comment_prompt]
        texts += [field for _, points, descriptor in self.levels for field in (points, descriptor)]
        self.filled = any(str(field.value() or "").strip() for field in texts)
        self.has_errors = any(field.errors for field in [*texts, self.weight])
        # Filled rows, rows with errors and the first empty row show; other empty rows fold away.
        self.open = self.filled or self.has_errors


class RubricForm(forms.Form):
    """A rubric's title and description, then ``criterion_rows`` criteria, each with
    ``level_rows`` levels (fewest points first). Empty rows are ignored."""

    title = forms.CharField(max_length=200, error_messages={"required": "Give the rubric a title."})
    description = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What the rubric is for; reviewers see it above the criteria.",
    )

    def __init__(self, *args, criterion_rows: int = CRITERION_ROWS, level_rows: int = LEVEL_ROWS, **kwargs):
        super().__init__(*args, **kwargs)
        self.criterion_rows, self.level_rows = criterion_rows, level_rows
        self.criteria_errors: list[str] = []
        for row in range(criterion_rows):
            self.fields[f"c{row}_title"] = forms.CharField(label="Criterion", max_length=200, required=False)
            self.fields[f"c{row}_description"] = forms.CharField(
                label="What reviewers look for",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.fields[f"c{row}_weight"] = forms.DecimalField(
                label="Weight",
                required=False,
                min_value=0,
                max_value=999,
                max_digits=5,
                decimal_places=2,
                initial=1,
                help_text="How much it counts in the total.",
            )
            self.fields[f"c{row}_comment_prompt"] = forms.CharField(
                label="Comment prompt (optional)",
                max_length=300,
                required=False,
                help_text="A question reviewers answer in their comment.",
            )
            for level in range(level_rows):
                self.fields[f"c{row}_l{level}_points"] = forms.DecimalField(
                    label="Points",
                    required=False,
                    min_value=0,
                    max_value=9999,
                    max_digits=6,
                    decimal_places=2,
                )
                self.fields[f"c{row}_l{level}_descriptor"] = forms.CharField(
                    label="Descriptor", max_length=300, required=False
                )

    def rows(self) -> list[CriterionRow]:
        rows = [CriterionRow(self, row) for row in range(self.criterion_rows)]
        first_empty = next((row for row in rows if not row.filled), None)
        if first_empty is not None:
            first_empty.open = True
        return rows

    def criteria(self) -> list[dict]:
        """The filled rows in the shape the rubric services take (call after is_valid)."""
        data, typed = self.cleaned_data, _as_text(self.cleaned_data)
        criteria = []
        for row in range(self.criterion_rows):
            if not _row_filled(typed, row, self.level_rows):
                continue
            weight = data.get(f"c{row}_weight")
            criteria.append(
                {
                    "title": data.get(f"c{row}_title", ""),
                    "description": data.get(f"c{row}_description", ""),
                    "weight": 1 if weight is None else weight,
                    "comment_prompt": data.get(f"c{row}_comment_prompt", ""),
                    "levels": [
                        {
                            "points": data.get(f"c{row}_l{level}_points"),
                            "descriptor": data.get(f"c{row}_l{level}_descriptor", ""),
                        }
                        for level in range(self.level_rows)
                        if _level_filled(typed, row, level)
                    ],
                }
            )
        return criteria

    def apply_service_errors(self, exc: ApplicationError) -> None:
        """The service's messages: criteria problems above the criteria, the rest on their
        field, everything typed kept."""
        placed = False
        for name, messages in exc.errors.items():
            for message in messages:
                if name == "criteria":
                    self.criteria_errors.append(message)
                else:
                    self.add_error(name if name in self.fields else None, message)
                placed = True
        if not placed:
            self.add_error(None, exc.message)


def _as_text(cleaned: dict) -> dict:
    return {name: "" if value is None else str(value) for name, value in cleaned.items()}


# --- assignments -------------------------------------------------------------------------


class RubricChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, rubric: Rubric) -> str:
        return f"{rubric.title} (version {rubric.version})"


class StepChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, step) -> str:
        return f"Week {step.week} · {step.get_kind_display()} · {step.title}"


class AssignmentForm(forms.Form):
    title = forms.CharField(
        max_length=200, required=False, help_text="Left blank, the chosen journey step's title is used."
    )
    instructions = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Markdown: **bold**, lists, links. Tell learners what to submit and how it is judged.",
    )
    step = StepChoiceField(
        label="Journey step (optional)",
        queryset=None,
        required=False,
        empty_label="None",
        help_text="A title or instructions left blank are taken from the step.",
    )
    rubric = RubricChoiceField(
        queryset=None,
        empty_label="Choose a rubric",
        error_messages={"required": "Choose a rubric."},
        help_text="Published rubrics of your organisation; publishing the assignment freezes this version.",
    )
    submission_opens_at = ZonedDateTimeField(label="Submissions open")
    submission_due_at = ZonedDateTimeField(label="Submissions close")
    review_due_at = ZonedDateTimeField(
        label="Reviews close",
        help_text="Reviews open when submissions close; late work is accepted until here.",
    )
    reviews_per_submission = forms.IntegerField(
        label="Reviews per submission", min_value=1, max_value=10, initial=3
    )
    review_hours = forms.IntegerField(
        label="Hours per review",
        min_value=1,
        max_value=24 * 14,
        initial=48,
        help_text="A review not done in this time moves to another reviewer.",
    )
    anonymous_reviews = forms.BooleanField(
        label="Anonymous reviews",
        required=False,
        initial=True,
        help_text="Authors do not see who reviewed them.",
    )
    self_assessment = forms.BooleanField(
        label="Self-assessment",
        required=False,
        help_text="Authors also score their own work (it does not count).",
    )
    calibration_examples = forms.IntegerField(
        label="Calibration examples",
        min_value=0,
        max_value=10,
        initial=0,
        help_text="Examples learners score against an expert before reviewing peers.",
    )
    outside_squad = forms.BooleanField(
        label="Review outside your squad", required=False, help_text="Reviewers get work from other squads."
    )
    spread_threshold = forms.FloatField(
        label="Disagreement threshold",
        min_value=0,
        max_value=10,
        initial=1.0,
        help_text="Mean disagreement, in levels, above which an expert checks a criterion's grade.",
    )

    SERVICE_FIELDS = (
        "title",
        "instructions",
        "submission_opens_at",
        "submission_due_at",
        "review_due_at",
        "reviews_per_submission",
        "review_hours",
        "anonymous_reviews",
        "self_assessment",
        "calibration_examples",
        "outside_squad",
        "spread_threshold",
    )

    def __init__(self, *args, tz: str, rubrics, steps=None, **kwargs):
        super().__init__(*args, **kwargs)
        help_text = f"In your timezone ({tz})."
        for name in ("submission_opens_at", "submission_due_at", "review_due_at"):
            old = self.fields[name]
            self.fields[name] = ZonedDateTimeField(
                label=old.label, tz=tz, help_text=" ".join(filter(None, [old.help_text, help_text]))
            )
        self.fields["rubric"].queryset = rubrics
        if steps is None:
            del self.fields["step"]
        else:
            self.fields["step"].queryset = steps

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.SERVICE_FIELDS}


class ExampleForm(forms.Form):
    title = forms.CharField(max_length=200, error_messages={"required": "Give the example a title."})
    body = forms.CharField(
        label="The example's text",
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="Markdown. Paste a piece of work like the ones learners will submit.",
        error_messages={"required": "Paste the example's text."},
    )


# --- levels per criterion: expert scores, checkpoints, regrade requests ----------------------


class LevelsForm(forms.Form):
    """A level (radio buttons) and a note per criterion."""

    note_label = "Reason"

    def __init__(self, *args, criteria, levels_required: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            levels = list(criterion.levels.all())
            self.fields[f"level_{criterion.pk}"] = forms.TypedChoiceField(
                label=criterion.title,
                choices=[(index, level_choice(index, level)) for index, level in enumerate(levels)],
                coerce=int,
                empty_value=None,
                widget=forms.RadioSelect,
                required=levels_required,
                error_messages={"required": f"Choose a level for \u201c{criterion.title}\u201d."},
            )
            self.fields[f"note_{criterion.pk}"] = forms.CharField(
                label=f"{self.note_label} for \u201c{criterion.title}\u201d",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def pairs(self):
        """(criterion, level field, note field) per criterion, for the template."""
        return [
            (criterion, self[f"level_{criterion.pk}"], self[f"note_{criterion.pk}"])
            for criterion in self.criteria
        ]

    def levels(self) -> dict[int, tuple[int, str]]:
        """{criterion id: (level, note)} for the criteria given a level (after is_valid)."""
        return {
            criterion.pk: (
                self.cleaned_data[f"level_{criterion.pk}"],
                self.cleaned_data[f"note_{criterion.pk}"],
            )
            for criterion in self.criteria
            if self.cleaned_data.get(f"level_{criterion.pk}") is not None
        }

    @staticmethod
    def initial_for(levels: dict[int, int | None], notes: dict[int, str] | None = None) -> dict:
        initial = {f"level_{pk}": level for pk, level in levels.items() if level is not None}
        return initial | {f"note_{pk}": note for pk, note in (notes or {}).items()}


class ExpertScoreForm(LevelsForm):
    note_label = "Explanation"


class CheckpointForm(LevelsForm):
    reason = forms.CharField(
        label="Overall reason",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Used for every criterion you set differently from the peers without a reason of its own.",
    )


class DisputeAnswerForm(LevelsForm):
    outcome = forms.ChoiceField(
        choices=DisputeOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether the grade stands or is changed."},
    )
    response = forms.CharField(
        label="Your answer to the learner",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Explain the decision to the learner."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, levels_required=False, **kwargs)

    def levels(self) -> dict[int, tuple[int, str]] | None:
        """The new levels when regrading; None when the grade stands."""
        if self.cleaned_data.get("outcome") != DisputeOutcome.REGRADED:
            return None
        return super().levels()
