"""Input and output shapes of the discussions API. Inputs only check the shape;
the services decide the rules (length bounds, locks, who may) and answer with
field messages."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cohorts.models import Cohort, CohortStep, User
from core.api.viewsets import scope_related_fields
from core.models import Notification

from ..models import (
    FeedItem,
    FeedKind,
    Flag,
    FlagOutcome,
    FlagReason,
    MicroTaskCompletion,
    Post,
    PostVersion,
    Prompt,
    PromptRole,
    Thread,
    TopTake,
)
from ..moderation_queue import REASON_LABELS, QueueItem
from ..services import MAX_POST_WORDS
from ..services.moderation import MESSAGE_MAX_LENGTH

# Room for MAX_POST_WORDS of ordinary prose; the service counts the words.
MAX_BODY_CHARACTERS = 30_000
DEFAULT_MIN_WORDS = PromptRole._meta.get_field("min_words").default
DEFAULT_MAX_WORDS = PromptRole._meta.get_field("max_words").default

# --- prompts ---------------------------------------------------------------------


class PromptRoleSerializer(serializers.ModelSerializer):
    class Meta:
        model = PromptRole
        fields = ["name", "deliverable", "min_words", "max_words", "order"]
        read_only_fields = fields


class PromptRoleInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=40, help_text="e.g. questioner; unique within the prompt.")
    deliverable = serializers.CharField(max_length=300, help_text="The one paragraph this role owes.")
    min_words = serializers.IntegerField(min_value=0, max_value=MAX_POST_WORDS, required=False,
                                         help_text=f"Defaults to {DEFAULT_MIN_WORDS}.")
    max_words = serializers.IntegerField(min_value=1, max_value=MAX_POST_WORDS, required=False,
                                         help_text=f"Defaults to {DEFAULT_MAX_WORDS}.")

    def validate(self, attrs):
        low = attrs.get("min_words", DEFAULT_MIN_WORDS)
        high = attrs.get("max_words", DEFAULT_MAX_WORDS)
        if high < low:
            raise serializers.ValidationError({"max_words": "The maximum must be at least the minimum."})
        return attrs


class PromptSerializer(serializers.ModelSerializer):
    roles = PromptRoleSerializer(many=True, read_only=True)
    thread_ids = serializers.SerializerMethodField(help_text="One thread per squad once published.")

    class Meta:
        model = Prompt
        fields = ["id", "cohort", "step", "title", "body", "due_at", "minutes", "state", "roles",
                  "thread_ids", "created_by", "created_at", "published_at"]
        read_only_fields = fields

    def get_thread_ids(self, prompt) -> list[int]:
        return sorted(thread.pk for thread in prompt.threads.all())


class PromptCreateSerializer(serializers.Serializer):
    cohort = serializers.PrimaryKeyRelatedField(queryset=Cohort.objects.all())
    step = serializers.PrimaryKeyRelatedField(queryset=CohortStep.objects.all(), required=False,
                                              allow_null=True, help_text="The journey step it serves.")
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=MAX_BODY_CHARACTERS, help_text="Markdown.")
    due_at = serializers.DateTimeField()
    minutes = serializers.IntegerField(min_value=1, max_value=600, default=20, help_text="Estimated effort.")
    roles = PromptRoleInputSerializer(
        many=True, required=False,
        help_text="The roles and their deliverables, in order. Omitted: questioner, summarizer "
                  "and challenger.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        scope_related_fields(self, cohort=Cohort, step=CohortStep)

    def validate(self, attrs):
        step, cohort = attrs.get("step"), attrs.get("cohort")
        if step is not None and cohort is not None and step.cohort_id != cohort.pk:
            raise serializers.ValidationError({"step": "That step belongs to another cohort."})
        return attrs


# --- threads ---------------------------------------------------------------------


class RoleAssignmentSerializer(serializers.Serializer):
    user = serializers.IntegerField(source="user_id")
    user_name = serializers.CharField(source="user.display_name")
    role = serializers.CharField(help_text="Empty: a contributor without a role.")
    swapped = serializers.BooleanField(help_text="Set by a facilitator's swap.")
    delivered = serializers.BooleanField(help_text="Their role's deliverable is posted.")


class ThreadSerializer(serializers.ModelSerializer):
    prompt_title = serializers.CharField(source="prompt.title", read_only=True)
    cohort = serializers.IntegerField(source="prompt.cohort_id", read_only=True)
    squad_name = serializers.CharField(source="squad.name", read_only=True, allow_null=True,
                                       default=None)
    locked = serializers.SerializerMethodField()
    assignments = serializers.SerializerMethodField()
    delivered_roles = serializers.SerializerMethodField()
    milestone_reached_at = serializers.DateTimeField(
        read_only=True, allow_null=True,
        help_text="When every role was first delivered (the squad milestone); null until then.")

    class Meta:
        model = Thread
        fields = ["id", "prompt", "prompt_title", "cohort", "squad", "squad_name", "locked", "locked_at",
                  "locked_by", "assignments", "delivered_roles", "milestone_reached_at", "created_at"]
        read_only_fields = fields

    def get_locked(self, thread) -> bool:
        return thread.locked_at is not None

    def get_delivered_roles(self, thread) -> list[str]:
        return sorted({post.role for post in thread.deliverable_posts})

    @extend_schema_field(RoleAssignmentSerializer(many=True))
    def get_assignments(self, thread):
        delivered = set(self.get_delivered_roles(thread))
        for assignment in thread.assignments.all():
            assignment.delivered = bool(assignment.role) and assignment.role in delivered
        return RoleAssignmentSerializer(thread.assignments.all(), many=True).data


class SwapRolesSerializer(serializers.Serializer):
    users = serializers.PrimaryKeyRelatedField(
        many=True, queryset=User.objects.all(),
        help_text="The two members of the thread whose roles trade places.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            from core import policy

            self.fields["users"].child_relation.queryset = policy.scope(request.user, User.objects.all())

    def validate_users(self, users):
        if len(users) != 2 or users[0] == users[1]:
            raise serializers.ValidationError("Choose two different members of this thread.")
        return users


# --- posts -----------------------------------------------------------------------


class PostVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = PostVersion
        fields = ["body", "body_html", "created_at", "replaced_at", "edited_by"]
        read_only_fields = fields


class PostSerializer(serializers.ModelSerializer):
    author_name = serializers.CharField(source="author.display_name", read_only=True)
    edited = serializers.SerializerMethodField()
    hidden = serializers.SerializerMethodField(help_text="Hidden by a facilitator (only they see it).")
    endorsement_count = serializers.IntegerField(read_only=True)
    endorsed_by_me = serializers.BooleanField(read_only=True)
    top_take = serializers.SerializerMethodField(help_text="The facilitator's reason, if a Top Take.")

    class Meta:
        model = Post
        fields = ["id", "thread", "author", "author_name", "parent", "role", "body", "body_html",
                  "word_count", "edited", "edited_at", "hidden", "endorsement_count", "endorsed_by_me",
                  "top_take", "created_at"]
        read_only_fields = fields

    def get_edited(self, post) -> bool:
        return post.edited_at is not None

    def get_hidden(self, post) -> bool:
        return post.hidden_at is not None

    def get_top_take(self, post) -> str | None:
        try:
            return post.top_take.reason
        except TopTake.DoesNotExist:
            return None


class PostDetailSerializer(PostSerializer):
    versions = PostVersionSerializer(many=True, read_only=True,
                                     help_text="Earlier texts of an edited post, newest first.")

    class Meta(PostSerializer.Meta):
        fields = [*PostSerializer.Meta.fields, "versions"]
        read_only_fields = fields


class PostCreateSerializer(serializers.Serializer):
    thread = serializers.PrimaryKeyRelatedField(queryset=Thread.objects.all())
    body = serializers.CharField(max_length=MAX_BODY_CHARACTERS, allow_blank=True, trim_whitespace=False,
                                 help_text="Markdown; @handle mentions a member of the cohort.")
    parent = serializers.PrimaryKeyRelatedField(queryset=Post.objects.all(), required=False,
                                                allow_null=True,
                                                help_text="Reply to this post (replies stay one level deep).")
    as_role = serializers.BooleanField(
        default=False, help_text="This post is my role's deliverable and must fit its length.")

    def __init__(self, *args, readable_posts=None, **kwargs):
        super().__init__(*args, **kwargs)
        scope_related_fields(self, thread=Thread)
        if readable_posts is not None:
            self.fields["parent"].queryset = readable_posts


class PostEditSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=MAX_BODY_CHARACTERS, allow_blank=True, trim_whitespace=False)


class EndorseSerializer(serializers.Serializer):
    text = serializers.CharField(required=False, allow_blank=True, default="",
                                 help_text="An optional one-line endorsement (140 characters).")


class EndorseResultSerializer(serializers.Serializer):
    endorsed = serializers.BooleanField(help_text="False when this call took the endorsement back.")
    text = serializers.CharField()
    endorsement_count = serializers.IntegerField()


class NominateResultSerializer(serializers.Serializer):
    nominated = serializers.BooleanField()
    nomination_count = serializers.IntegerField()


class FlagCreateSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=FlagReason.choices)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class TopTakeInputSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, help_text="One line: why this post stands out.")


class TopTakeSerializer(serializers.ModelSerializer):
    class Meta:
        model = TopTake
        fields = ["post", "reason", "selected_by", "created_at"]
        read_only_fields = fields


class AuthorMessageInputSerializer(serializers.Serializer):
    text = serializers.CharField(
        allow_blank=True, trim_whitespace=False,
        help_text=f"The message, at most {MESSAGE_MAX_LENGTH} characters. The author reads it in their "
                  "notifications, with a link to the post.")


class AuthorMessageSerializer(serializers.ModelSerializer):
    """The notification the author received."""

    recipient = serializers.IntegerField(source="user_id", read_only=True, help_text="The post's author.")

    class Meta:
        model = Notification
        fields = ["id", "recipient", "title", "body", "url", "created_at"]
        read_only_fields = fields


# --- flags -----------------------------------------------------------------------


class FlagSerializer(serializers.ModelSerializer):
    thread = serializers.IntegerField(source="post.thread_id", read_only=True)
    outcome = serializers.ChoiceField(choices=FlagOutcome.choices, allow_blank=True, read_only=True,
                                      help_text="Empty while the flag is open.")
    low_risk = serializers.BooleanField(read_only=True,
                                        help_text="Spam or off topic: a learner moderator may resolve it.")

    class Meta:
        model = Flag
        fields = ["id", "post", "thread", "reason", "note", "low_risk", "reporter", "created_at",
                  "resolved_at", "resolved_by", "outcome", "resolution_note"]
        read_only_fields = fields


class FlagResolveSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=FlagOutcome.choices,
                                      help_text="Upheld hides the post; dismissed leaves it.")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


# --- the moderation queue --------------------------------------------------------

# Named in SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]: flags have a `reason` of their own.
QUEUE_REASONS = list(REASON_LABELS.items())


class ModerationQueueItemSerializer(serializers.Serializer):
    """One item of discussions.moderation_queue.QueueItem, as the portal's queue shows it."""

    id = serializers.CharField(source="key", help_text="The same as `key`.")
    key = serializers.CharField(help_text="Stable while the item is in the queue, e.g. "
                                          "`flagged_post-post-41`.")
    reason = serializers.ChoiceField(choices=QUEUE_REASONS, help_text="Why the item is in the queue.")
    label = serializers.CharField(help_text="The reason for people, e.g. \"Flagged post\".")
    text = serializers.CharField(help_text="What is the matter, e.g. \"Flagged 2 times: Spam or "
                                           "advertising (2).\"")
    score = serializers.IntegerField(help_text="How urgent: the queue is ordered by score, highest first, "
                                               "then by `since`, oldest first.")
    since = serializers.DateTimeField(help_text="Since when it has been waiting: the first open flag, "
                                                "the question, the due date, the squad's last post.")
    cohort = serializers.IntegerField(source="cohort.pk")
    thread = serializers.SerializerMethodField()
    squad = serializers.SerializerMethodField(help_text="The thread's squad; null for a cohort-wide thread.")
    post = serializers.SerializerMethodField(help_text="The flagged post or the unanswered question.")
    flags = FlagSerializer(many=True, help_text="The open flags on the post that you may resolve.")
    url = serializers.CharField(help_text="For cases of other apps (regrade requests, expert checkpoints): "
                                          "the portal page where the case is handled; empty otherwise.")
    full_access = serializers.BooleanField(
        source="full", help_text="True: you run the cohort and may hide, restore, lock, message the author "
                                 "and resolve any flag. False: as the week's learner moderator you may "
                                 "resolve the low-risk flags listed, nothing else.")

    def get_thread(self, item: QueueItem) -> int | None:
        return item.thread.pk if item.thread is not None else None

    def get_squad(self, item: QueueItem) -> int | None:
        return item.thread.squad_id if item.thread is not None else None

    def get_post(self, item: QueueItem) -> int | None:
        return item.post.pk if item.post is not None else None


# --- the feed, micro-tasks, notifications ----------------------------------------


class FeedItemSerializer(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()
    thread = serializers.IntegerField(read_only=True, allow_null=True,
                                      help_text="The thread of the post, for post, endorsement and "
                                                "Top Take items.")
    kind = serializers.ChoiceField(choices=FeedKind.choices, read_only=True)

    class Meta:
        model = FeedItem
        fields = ["id", "cohort", "kind", "actor", "actor_name", "post", "thread", "completion", "text",
                  "created_at"]
        read_only_fields = fields

    def get_actor_name(self, item) -> str | None:
        return item.actor.display_name if item.actor else None


class MicroTaskCompletionSerializer(serializers.ModelSerializer):
    step_title = serializers.CharField(source="step.title", read_only=True)
    cohort = serializers.IntegerField(source="step.cohort_id", read_only=True)
    user_name = serializers.CharField(source="user.display_name", read_only=True)

    class Meta:
        model = MicroTaskCompletion
        fields = ["id", "step", "step_title", "cohort", "user", "user_name", "comment", "created_at"]
        read_only_fields = fields


class MicroTaskCompleteSerializer(serializers.Serializer):
    step = serializers.PrimaryKeyRelatedField(queryset=CohortStep.objects.all(),
                                              help_text="A micro-task step of one of my cohorts.")
    comment = serializers.CharField(required=False, allow_blank=True, default="",
                                    help_text="Shown in the cohort feed (280 characters).")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        scope_related_fields(self, step=CohortStep)


class NotificationSerializer(serializers.ModelSerializer):
    unread = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "unread", "read_at", "created_at"]
        read_only_fields = fields

    def get_unread(self, notification) -> bool:
        return notification.read_at is None


class MarkedReadSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many notifications were unread.")

