"""Structured prompts, squad threads with rotating roles, posts and their
versions."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.timezone import now


class PromptState(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class Prompt(models.Model):
    """A facilitator's question for a cohort, discussed squad by squad with roles."""

    cohort = models.ForeignKey("cohorts.Cohort", on_delete=models.CASCADE, related_name="prompts")
    step = models.ForeignKey("cohorts.CohortStep", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="prompts")
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Markdown.")
    due_at = models.DateTimeField()
    minutes = models.PositiveSmallIntegerField(default=20, help_text="Estimated effort.")
    state = models.CharField(max_length=10, choices=PromptState.choices, default=PromptState.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=now, editable=False)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-due_at"]
        indexes = [models.Index(fields=["cohort", "state", "due_at"])]

    def __str__(self) -> str:
        return self.title


class PromptRole(models.Model):
    """A role in a prompt's discussion and the one-paragraph deliverable it owes."""

    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="roles")
    name = models.CharField(max_length=40, help_text="e.g. questioner, summarizer, challenger.")
    deliverable = models.CharField(max_length=300)
    min_words = models.PositiveSmallIntegerField(default=40)
    max_words = models.PositiveSmallIntegerField(default=200)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["prompt", "name"], name="unique_role_name_per_prompt"),
            models.CheckConstraint(condition=models.Q(max_words__gte=models.F("min_words")),
                                   name="role_word_bounds_ordered"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.max_words is not None and self.min_words is not None and self.max_words < self.min_words:
            raise ValidationError({"max_words": "The maximum must be at least the minimum."})


class Thread(models.Model):
    """One squad's discussion of a prompt (squad is empty for a cohort without squads)."""

    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="threads")
    squad = models.ForeignKey("cohorts.Squad", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="threads")
    locked_at = models.DateTimeField(null=True, blank=True)
    locked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=now, editable=False)
    revision = models.PositiveIntegerField(
        default=0, editable=False,
        help_text="Counts changes to what the thread page shows; its cached page data is keyed on it.")
    milestone_reached_at = models.DateTimeField(
        null=True, blank=True, editable=False,
        help_text="When every role of the prompt was first delivered here; set once, never cleared, "
                  "so the squad milestone is announced once.")

    class Meta:
        ordering = ["prompt", "squad__name"]
        constraints = [
            models.UniqueConstraint(fields=["prompt", "squad"], name="one_thread_per_squad_and_prompt"),
        ]

    def __str__(self) -> str:
        return f"{self.prompt} ({self.squad or 'whole cohort'})"


class RoleAssignment(models.Model):
    """Who holds which role in a thread; the history the rotation learns from."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="role_assignments")
    role = models.CharField(max_length=40, blank=True, help_text="Empty: a contributor without a role.")
    swapped = models.BooleanField(default=False, help_text="Set by a facilitator's swap.")
    assigned_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ["thread", "role"]
        constraints = [
            models.UniqueConstraint(fields=["thread", "user"], name="one_role_per_member_per_thread"),
        ]

    def __str__(self) -> str:
        return f"{self.user} as {self.role or 'contributor'}"


class Post(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="posts")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="replies")
    role = models.CharField(max_length=40, blank=True, help_text="The role deliverable this post is.")
    body = models.TextField()
    body_html = models.TextField(editable=False, help_text="Rendered and sanitised when saved.")
    word_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=now, editable=False)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["thread", "created_at"]),
                   models.Index(fields=["author", "created_at"])]

    def __str__(self) -> str:
        return f"{self.author} in {self.thread_id}"


class PostVersion(models.Model):
    """An earlier text of an edited post, kept so readers can see what changed."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="versions")
    body = models.TextField()
    body_html = models.TextField()
    created_at = models.DateTimeField(default=now, editable=False)
    replaced_at = models.DateTimeField(default=now, editable=False)
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                  related_name="+")

    class Meta:
        ordering = ["-replaced_at"]

    def __str__(self) -> str:
        return f"Version of post {self.post_id} replaced {self.replaced_at:%Y-%m-%d %H:%M}"


class Endorsement(models.Model):
    """A "helpful" mark on a post, with an optional one-line endorsement."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="endorsements")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="endorsements")
    text = models.CharField(max_length=140, blank=True)
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="endorse_a_post_once")]

    def __str__(self) -> str:
        return f"{self.user} endorsed {self.post_id}"


class TopTake(models.Model):
    """A facilitator's pick of an exemplary post, shown on the cohort page and in digests."""

    post = models.OneToOneField(Post, on_delete=models.CASCADE, related_name="top_take")
    selected_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reason = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Top Take: post {self.post_id}"


class TopTakeNomination(models.Model):
    """A learner suggests a post for Top Take."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="nominations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="nominate_a_post_once")]

    def __str__(self) -> str:
        return f"{self.user} nominated {self.post_id}"


class FlagReason(models.TextChoices):
    SPAM = "spam", "Spam or advertising"
    OFF_TOPIC = "off_topic", "Off topic"
    DISRESPECTFUL = "disrespectful", "Disrespectful or harassing"
    PERSONAL_DATA = "personal_data", "Shares someone's personal data"
    OTHER = "other", "Something else"


# Flags a rotating learner moderator may resolve; the rest need a facilitator.
LOW_RISK_REASONS = frozenset({FlagReason.SPAM, FlagReason.OFF_TOPIC})


class FlagOutcome(models.TextChoices):
    UPHELD = "upheld", "Upheld: the post is hidden"
    DISMISSED = "dismissed", "Dismissed: the post stays"


class Flag(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="flags")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=20, choices=FlagReason.choices)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=now, editable=False)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    outcome = models.CharField(max_length=20, choices=FlagOutcome.choices, blank=True)
    resolution_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["post", "reporter"], name="flag_a_post_once")]
        indexes = [models.Index(fields=["resolved_at", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} on post {self.post_id}"

    @property
    def low_risk(self) -> bool:
        return self.reason in LOW_RISK_REASONS


class MicroTaskCompletion(models.Model):
    """A learner marks a 5-10 minute task done, with a short comment for the feed."""

    step = models.ForeignKey("cohorts.CohortStep", on_delete=models.CASCADE, related_name="completions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="microtask_completions")
    comment = models.CharField(max_length=280, blank=True)
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["step", "user"], name="complete_a_task_once")]

    def __str__(self) -> str:
        return f"{self.user} did {self.step_id}"


class FeedKind(models.TextChoices):
    POST = "post", "Post"
    MICROTASK = "microtask", "Micro-task done"
    ENDORSEMENT = "endorsement", "Endorsement"
    TOP_TAKE = "top_take", "Top Take"


class FeedRevision(models.Model):
    """How many times a cohort's feed has changed; its rendered pages are cached
    under this number, so every change reaches every process at once."""

    cohort = models.OneToOneField("cohorts.Cohort", on_delete=models.CASCADE, primary_key=True,
                                  related_name="+")
    revision = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"feed of {self.cohort_id} at {self.revision}"


class FeedItem(models.Model):
    """The cohort feed, written with the change it shows, so the feed page is
    one indexed query however much the cohort has done."""

    cohort = models.ForeignKey("cohorts.Cohort", on_delete=models.CASCADE, related_name="feed_items")
    kind = models.CharField(max_length=20, choices=FeedKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                              related_name="+")
    post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="feed_items")
    completion = models.ForeignKey(MicroTaskCompletion, null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="feed_items")
    text = models.CharField(max_length=300, blank=True, help_text="Excerpt, comment or endorsement line.")
    visible = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        # The feed page reads a cohort's visible items newest first: partial on
        # `visible` because databases do not treat a bare boolean as an equality
        # the index could serve, and with `id` so ties need no sort either.
        indexes = [models.Index(fields=["cohort", "-created_at", "-id"], condition=models.Q(visible=True),
                                name="feeditem_cohort_newest")]

    def __str__(self) -> str:
        return f"{self.kind} in {self.cohort_id}"
