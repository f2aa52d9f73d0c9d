"""Peer review in the Django admin, for platform operators and HR admins (each HR
admin sees their own organisation, through the policy).

What the admin may change:
* rubrics, their criteria and levels while no published assignment uses them
  (a frozen version is read-only; the portal and the API make the next version);
* assignments and calibration examples, written through their services, so the
  admin follows the same rules (and audit) as the portal; "Publish" actions call
  the publishing services.
Everything learners and the grading machinery produce (submissions, calibration
attempts, allocations, reviews, ratings, grades, checkpoints, regrade requests,
reviewer records) is read-only here: it changes through the portal and the API,
where the services keep grades and reviewer weights consistent."""

from __future__ import annotations

import itertools

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.utils.html import format_html_join

from core import policy
from core.admin_site import OrgScopedAdmin, OrgScopedInlineMixin, admin_site
from core.errors import ApplicationError

from . import services
from .models import (
    Assignment,
    AssignmentState,
    CalibrationAttempt,
    CalibrationExample,
    Checkpoint,
    Criterion,
    CriterionGrade,
    Dispute,
    ExpertScore,
    Grade,
    Level,
    Review,
    ReviewAllocation,
    ReviewerRecord,
    ReviewScore,
    Rubric,
    Submission,
    SubmissionVersion,
    UsefulnessRating,
)
from .services.assignments import EDITABLE_FIELDS

# Models the policy knows only through a parent: (lookup to the parent, parent model).
PARENTS = {
    Criterion: ("rubric", Rubric),
    Level: ("criterion__rubric", Rubric),
    SubmissionVersion: ("submission", Submission),
    ExpertScore: ("example", CalibrationExample),
    CalibrationAttempt: ("example", CalibrationExample),
    ReviewScore: ("review", Review),
    UsefulnessRating: ("review", Review),
    Grade: ("submission", Submission),
    CriterionGrade: ("grade__submission", Submission),
    ReviewerRecord: ("assignment", Assignment),
}


def policy_target(obj):
    """The object to ask the policy about: `obj`, or the parent it belongs through."""
    if obj is None or type(obj) not in PARENTS:
        return obj
    for name in PARENTS[type(obj)][0].split("__"):
        obj = getattr(obj, name)
    return obj


def error_text(error: ApplicationError) -> str:
    details = [message for messages_ in error.errors.values() for message in messages_]
    return " ".join(details) or error.message


class PeerReviewAdmin(OrgScopedAdmin):
    """OrgScopedAdmin for models the policy may know only through a parent.

    No bulk delete: Django's "delete selected" does not ask `has_delete_permission`
    about each row, and a published assignment or frozen rubric must stay."""

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def get_queryset(self, request):
        if self.model not in PARENTS:
            return super().get_queryset(request)
        path, parent = PARENTS[self.model]
        rows = admin.ModelAdmin.get_queryset(self, request)
        return rows.filter(**{f"{path}__in": policy.scope(request.user, parent.objects.all())})

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, policy_target(obj))

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, policy_target(obj))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, policy_target(obj))

    @staticmethod
    def _organization_of(obj):
        return OrgScopedAdmin._organization_of(policy_target(obj))


class ReadOnlyPeerReviewAdmin(PeerReviewAdmin):
    read_only = True

    def get_actions(self, request):
        return {}


class PeerReviewInline(OrgScopedInlineMixin):
    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, policy_target(obj))

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, policy_target(obj))

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, policy_target(obj))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, policy_target(obj))


class ReadOnlyInline(PeerReviewInline, admin.TabularInline):
    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ServiceForm(forms.ModelForm):
    """A model form whose write is a service's. The service both checks and writes,
    so it runs while the form is validated: its field messages land on the form,
    and a refusal rolls back its savepoint. `write(data)` returns the saved object;
    `actor` is set by the admin for each request."""

    actor = None

    def _post_clean(self):
        # Instead of ModelForm's model validation: the service applies the rules.
        if self.errors:
            return
        try:
            with transaction.atomic():
                self.saved = self.write(self.cleaned_data)
        except ApplicationError as error:
            for field, field_messages in (error.errors or {None: [error.message]}).items():
                for message in field_messages:
                    self.add_error(field if field in self.fields else None, message)

    def save(self, commit=True):
        return self.saved

    def save_m2m(self):
        """Nothing to save: the service wrote everything."""


class ServiceAdminMixin:
    """For admins whose add and change forms are ServiceForms."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def save_model(self, request, obj, form, change):
        """Already saved (and audited) by the service while the form was validated."""


def publish_each(modeladmin, request, queryset, publish) -> None:
    done = 0
    for obj in queryset:
        try:
            publish(obj)
        except ApplicationError as error:
            modeladmin.message_user(request, f"\u201c{obj}\u201d was not published: {error_text(error)}",
                                    messages.ERROR)
        else:
            done += 1
    if done:
        modeladmin.message_user(request, f"Published {done}.", messages.SUCCESS)


# --- rubrics ---------------------------------------------------------------------------


def _frozen(obj) -> bool:
    rubric = obj if isinstance(obj, Rubric) else getattr(obj, "rubric", None)
    return rubric is not None and rubric.frozen


class LevelFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        kept = [form.cleaned_data for form in self.forms
                if form.cleaned_data and not form.cleaned_data.get("DELETE")]
        points = [data["points"] for data in sorted(kept, key=lambda data: data["order"])]
        if any(later <= earlier for earlier, later in itertools.pairwise(points)):
            raise forms.ValidationError("List the levels from fewest to most points (by order), each worth "
                                        "more than the one before.")


class DraftRubricInline(PeerReviewInline, admin.TabularInline):
    """Rows of a rubric, writable while the rubric is not frozen."""

    extra = 0

    def has_add_permission(self, request, obj=None):
        return not _frozen(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not _frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _frozen(obj) and super().has_delete_permission(request, obj)


class LevelInline(DraftRubricInline):
    model = Level
    formset = LevelFormSet
    fields = ["order", "points", "descriptor"]


class CriterionInline(DraftRubricInline):
    model = Criterion
    fields = ["order", "title", "weight", "comment_prompt", "description"]
    show_change_link = True  # its levels are edited on the criterion's page


@admin.register(Rubric, site=admin_site)
class RubricAdmin(PeerReviewAdmin):
    organization_field = "organization"
    list_display = ["title", "version", "state", "is_frozen", "created_by", "created_at"]
    list_filter = ["state"]
    search_fields = ["title", "description"]
    list_select_related = ["created_by"]
    fields = ["title", "description", "family", "version", "state", "frozen_at", "published_at",
              "created_by", "created_at"]
    readonly_fields = ["family", "version", "state", "frozen_at", "published_at", "created_by", "created_at"]
    inlines = [CriterionInline]
    actions = ["publish"]

    @admin.display(boolean=True, description="Frozen")
    def is_frozen(self, rubric) -> bool:
        return rubric.frozen

    def has_change_permission(self, request, obj=None):
        return not _frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _frozen(obj) and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description="Publish the selected rubrics")
    def publish(self, request, queryset):
        publish_each(self, request, queryset,
                     lambda rubric: services.rubric_publish(actor=request.user, rubric=rubric))


@admin.register(Criterion, site=admin_site)
class CriterionAdmin(PeerReviewAdmin):
    list_display = ["title", "rubric", "order", "weight"]
    search_fields = ["title", "rubric__title"]
    list_select_related = ["rubric"]
    fields = ["rubric", "order", "title", "description", "weight", "comment_prompt"]
    inlines = [LevelInline]

    def has_change_permission(self, request, obj=None):
        return not _frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _frozen(obj) and super().has_delete_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "rubric":
            field.queryset = field.queryset.filter(frozen_at__isnull=True)
        return field


# --- assignments and calibration examples ----------------------------------------------


class AssignmentForm(ServiceForm):
    class Meta:
        model = Assignment
        fields = ["cohort", "step", "rubric", *EDITABLE_FIELDS]

    def write(self, data) -> Assignment:
        if self.instance.pk is None:
            values = {name: data[name] for name in EDITABLE_FIELDS}
            return services.assignment_create(actor=self.actor, cohort=data["cohort"], rubric=data["rubric"],
                                              step=data.get("step"), **values)
        # Only what changed: an untouched window is not "shortened" by the form dropping microseconds.
        changed = {name: data[name] for name in EDITABLE_FIELDS if name in self.changed_data}
        rubric = data["rubric"] if "rubric" in self.changed_data else None
        return services.assignment_update(actor=self.actor, assignment=self.instance, rubric=rubric,
                                          **changed)


@admin.register(Assignment, site=admin_site)
class AssignmentAdmin(ServiceAdminMixin, PeerReviewAdmin):
    form = AssignmentForm
    list_display = ["title", "cohort", "state", "submission_opens_at", "submission_due_at", "review_due_at",
                    "reviews_per_submission", "calibration_examples"]
    list_filter = ["state", ("cohort", admin.RelatedOnlyFieldListFilter), "anonymous_reviews",
                   "self_assessment", "outside_squad"]
    search_fields = ["title", "instructions", "cohort__name"]
    date_hierarchy = "submission_due_at"
    list_select_related = ["cohort", "rubric"]
    readonly_fields = ["state", "allocated_at", "reviews_closed_at", "published_at", "created_by",
                       "created_at", "revision"]
    actions = ["publish"]

    def get_readonly_fields(self, request, obj=None):
        fixed = ["cohort", "step"] if obj is not None else []
        return [*fixed, *super().get_readonly_fields(request, obj)]

    def has_delete_permission(self, request, obj=None):
        draft = obj is None or obj.state == AssignmentState.DRAFT
        return draft and super().has_delete_permission(request, obj)

    @admin.action(description="Publish the selected assignments")
    def publish(self, request, queryset):
        publish_each(self, request, queryset, lambda assignment: services.assignment_publish(
            actor=request.user, assignment=assignment))


class ExampleForm(ServiceForm):
    class Meta:
        model = CalibrationExample
        fields = ["assignment", "title", "body"]

    def write(self, data) -> CalibrationExample:
        return services.example_create(actor=self.actor, assignment=data["assignment"], title=data["title"],
                                       body=data["body"])


class ExpertScoreInline(ReadOnlyInline):
    model = ExpertScore
    fields = ["criterion", "level", "explanation", "scored_by", "scored_at"]


@admin.register(CalibrationExample, site=admin_site)
class CalibrationExampleAdmin(ServiceAdminMixin, PeerReviewAdmin):
    """Added through the service; the expert scores it in the portal or the API."""

    form = ExampleForm
    list_display = ["title", "assignment", "order", "created_at"]
    list_filter = [("assignment__cohort", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "body", "assignment__title"]
    list_select_related = ["assignment"]
    readonly_fields = ["order", "created_at"]
    inlines = [ExpertScoreInline]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        draft = obj is None or obj.assignment.state == AssignmentState.DRAFT
        return draft and super().has_delete_permission(request, obj)


# --- what learners and the grading machinery produce (read-only) ------------------------


class SubmissionVersionInline(ReadOnlyInline):
    model = SubmissionVersion
    fields = ["number", "created_at", "word_count", "body", "attachment_names"]
    readonly_fields = ["attachment_names"]

    @admin.display(description="Attachments")
    def attachment_names(self, version):
        return format_html_join(", ", "{} ({} bytes)", ((a.name, a.size) for a in version.attachments.all()))

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("attachments")


@admin.register(Submission, site=admin_site)
class SubmissionAdmin(ReadOnlyPeerReviewAdmin):
    list_display = ["assignment", "author", "version", "late", "created_at", "updated_at"]
    list_filter = ["late", ("assignment__cohort", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["author__email", "author__full_name", "assignment__title"]
    list_select_related = ["assignment", "author"]
    inlines = [SubmissionVersionInline]


@admin.register(CalibrationAttempt, site=admin_site)
class CalibrationAttemptAdmin(ReadOnlyPeerReviewAdmin):
    list_display = ["learner", "example", "accuracy", "created_at"]
    search_fields = ["learner__email", "learner__full_name", "example__title"]
    list_select_related = ["learner", "example"]


@admin.register(ReviewAllocation, site=admin_site)
class ReviewAllocationAdmin(ReadOnlyPeerReviewAdmin):
    list_display = ["reviewer", "submission", "assignment", "state", "round", "is_self", "extra", "due_at"]
    list_filter = ["state", "round", "is_self", ("assignment__cohort", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["reviewer__email", "reviewer__full_name", "assignment__title"]
    list_select_related = ["reviewer", "submission__assignment", "submission__author", "assignment"]


class ReviewScoreInline(ReadOnlyInline):
    model = ReviewScore
    fields = ["criterion", "level", "comment"]


@admin.register(Review, site=admin_site)
class ReviewAdmin(ReadOnlyPeerReviewAdmin):
    list_display = ["submission", "reviewer", "is_self", "submission_version", "submitted_at"]
    list_filter = ["is_self", ("submission__assignment__cohort", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["reviewer__email", "reviewer__full_name", "comment"]
    list_select_related = ["submission__assignment", "submission__author", "reviewer"]
    inlines = [ReviewScoreInline]


@admin.register(UsefulnessRating, site=admin_site)
class UsefulnessRatingAdmin(ReadOnlyPeerReviewAdmin):
    list_display = ["review", "rating", "rated_by", "created_at"]
    list_filter = ["rating"]
    search_fields = ["rated_by__email", "comment"]
    list_select_related = ["review__submission__assignment", "review__submission__author", "rated_by"]


class CriterionGradeInline(ReadOnlyInline):
    model = CriterionGrade
    fields = ["criterion", "level", "peer_level", "spread", "needs_checkpoint", "points", "override_reason"]


@admin.register(Grade, site=admin_site)
class GradeAdmin(ReadOnlyPeerReviewAdmin):
    list_display = ["submission", "state", "percentage", "method", "reviews_counted", "computed_at"]
    list_filter = ["state", "method", ("submission__assignment__cohort", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["submission__author__email", "submission__author__full_name"]
    list_select_related = ["submission__assignment", "submission__author"]
    inlines = [CriterionGradeInline]


@admin.register(Checkpoint, site=admin_site)
class CheckpointAdmin(ReadOnlyPeerReviewAdmin):
    """Resolved in the portal or the API, where the expert sets every criterion's level."""

    list_display = ["submission", "state", "reason", "created_at", "resolved_by"]
    list_filter = ["state", ("submission__assignment__cohort", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["reason", "submission__author__email"]
    list_select_related = ["submission__assignment", "submission__author", "resolved_by"]


@admin.register(Dispute, site=admin_site)
class DisputeAdmin(ReadOnlyPeerReviewAdmin):
    """Answered in the portal or the API."""

    list_display = ["submission", "requested_by", "state", "outcome", "created_at", "resolved_by"]
    list_filter = ["state", "outcome", ("submission__assignment__cohort", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["reason", "response", "requested_by__email"]
    list_select_related = ["submission__assignment", "submission__author", "requested_by", "resolved_by"]


@admin.register(ReviewerRecord, site=admin_site)
class ReviewerRecordAdmin(ReadOnlyPeerReviewAdmin):
    list_display = ["reviewer", "assignment", "calibration_accuracy", "agreement", "usefulness", "score",
                    "weight", "reviews_done"]
    list_filter = [("assignment__cohort", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["reviewer__email", "reviewer__full_name", "assignment__title"]
    list_select_related = ["reviewer", "assignment"]
