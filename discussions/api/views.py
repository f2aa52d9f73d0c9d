"""The discussions REST API: prompts, squad threads, posts and what people do with
them, flags, the moderation queue, the cohort feed, micro-tasks and notifications.

Views check and call a service. Querysets come through the policy, so another
organisation's object is a 404, and load what the serializers render in a fixed
number of queries however long the list."""

from __future__ import annotations

import django_filters
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from cohorts.models import Cohort
from core import policy
from core import services as core_services
from core.api.viewsets import PolicyObjectPermission, ScopedViewSetMixin
from core.models import Notification

from .. import moderation_queue, services
from ..models import (
    Endorsement,
    FeedItem,
    Flag,
    MicroTaskCompletion,
    Post,
    Prompt,
    RoleAssignment,
    Thread,
    TopTakeNomination,
)
from .serializers import (
    AuthorMessageInputSerializer,
    AuthorMessageSerializer,
    EndorseResultSerializer,
    EndorseSerializer,
    FeedItemSerializer,
    FlagCreateSerializer,
    FlagResolveSerializer,
    FlagSerializer,
    MarkedReadSerializer,
    MicroTaskCompleteSerializer,
    MicroTaskCompletionSerializer,
    ModerationQueueItemSerializer,
    NominateResultSerializer,
    NotificationSerializer,
    PostCreateSerializer,
    PostDetailSerializer,
    PostEditSerializer,
    PostSerializer,
    PromptCreateSerializer,
    PromptSerializer,
    SwapRolesSerializer,
    ThreadSerializer,
    TopTakeInputSerializer,
    TopTakeSerializer,
)

# --- the policy, asked about the right object ----------------------------------------


class PolicyTargetPermission(PolicyObjectPermission):
    """PolicyObjectPermission for rules asked about a related object: running
    prompts is decided on the cohort a prompt, thread or post belongs to. An
    `object_permissions` value is a permission, or (permission, object -> target)."""

    def has_object_permission(self, request, view, obj) -> bool:
        required = getattr(view, "object_permissions", {}).get(view.action)
        if required is None:
            return True
        permission, target = required if isinstance(required, tuple) else (required, None)
        return policy.allows(request.user, permission, target(obj) if target else obj)


class DiscussionViewSetMixin(ScopedViewSetMixin):
    permission_classes = [permissions.IsAuthenticated, PolicyTargetPermission]


def _cohort_of_prompt(prompt: Prompt) -> Cohort:
    return prompt.cohort


def _cohort_of_thread(thread: Thread) -> Cohort:
    return thread.prompt.cohort


def _cohort_of_post(post: Post) -> Cohort:
    return post.thread.prompt.cohort


def readable_posts(user):
    """Posts the user may read: live posts of their cohorts, and hidden ones where
    they run the prompts (facilitators, HR admins), as the thread page shows them.
    Deleted posts are gone for everyone."""
    posts = policy.scope(user, Post.objects.all()).filter(deleted_at__isnull=True)
    roles = policy.roles(user)
    if policy.is_operator(user) or roles.is_hr_admin:
        return posts
    return posts.filter(Q(hidden_at__isnull=True)
                        | Q(thread__prompt__cohort_id__in=list(roles.facilitated_cohort_ids)))


# --- prompts --------------------------------------------------------------------------

ROLES_EXAMPLE = [
    {"name": "questioner", "deliverable": "Ask the question that would move the squad furthest.",
     "min_words": 20, "max_words": 120},
    {"name": "summarizer", "deliverable": "Summarise where the squad agrees and where it does not.",
     "min_words": 40, "max_words": 200},
]


@extend_schema_view(
    list=extend_schema(summary="Prompts of my cohorts",
                       description="Learners see published prompts; facilitators their drafts too."),
    retrieve=extend_schema(summary="One prompt with its roles"),
    create=extend_schema(
        summary="Create a draft prompt (facilitators of the cohort, HR admins)",
        description="Without `roles`, the prompt gets the default three: questioner, summarizer "
                    "and challenger. Publish it to open the squads' threads.",
        request=PromptCreateSerializer, responses={201: PromptSerializer},
        examples=[OpenApiExample("With two roles", request_only=True, value={
            "cohort": 1, "title": "What makes feedback land?",
            "body": "Share one piece of feedback that changed how you work.",
            "due_at": "2027-03-05T17:00:00+01:00", "minutes": 20, "roles": ROLES_EXAMPLE})],
    ),
)
class PromptViewSet(
    DiscussionViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    base_queryset = Prompt.objects.all()
    serializer_class = PromptSerializer
    object_permissions = {"publish": ("prompt.manage", _cohort_of_prompt)}
    filterset_fields = ["cohort", "state", "step"]
    ordering_fields = ["due_at", "created_at", "published_at", "title"]
    ordering = ["-due_at", "-id"]

    def get_queryset(self):
        return super().get_queryset().select_related("cohort").prefetch_related(
            "roles", Prefetch("threads", queryset=Thread.objects.only("id", "prompt_id")))

    def _read(self, prompt: Prompt) -> dict:
        return PromptSerializer(self.get_queryset().get(pk=prompt.pk)).data

    def create(self, request, *args, **kwargs):
        serializer = PromptCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        prompt = services.prompt_create(
            actor=request.user, cohort=data["cohort"], title=data["title"], body=data["body"],
            due_at=data["due_at"], minutes=data["minutes"], step=data.get("step"),
            roles=[dict(role) for role in data["roles"]] if "roles" in data else None,
        )
        return Response(self._read(prompt), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Publish a prompt: a thread per squad, roles assigned (facilitators, HR admins)",
        description="Roles rotate fairly within each squad across the cohort's prompts: nobody "
                    "holds a role twice before everyone has held it once.",
        request=None, responses=PromptSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        prompt = self.get_object()
        services.prompt_publish(actor=request.user, prompt=prompt)
        return Response(self._read(prompt))


# --- threads --------------------------------------------------------------------------


class ThreadFilter(django_filters.FilterSet):
    cohort = django_filters.ModelChoiceFilter(field_name="prompt__cohort", queryset=Cohort.objects.all(),
                                              label="Threads of this cohort's prompts")

    class Meta:
        model = Thread
        fields = ["prompt", "squad", "cohort"]


@extend_schema_view(
    list=extend_schema(summary="Squad threads of my cohorts",
                       description="Each with who holds which role and which deliverables are done."),
    retrieve=extend_schema(summary="One thread with its roles and deliverables"),
)
class ThreadViewSet(DiscussionViewSetMixin, viewsets.ReadOnlyModelViewSet):
    base_queryset = Thread.objects.all()
    serializer_class = ThreadSerializer
    object_permissions = dict.fromkeys(("lock", "unlock", "swap_roles"),
                                       ("prompt.manage", _cohort_of_thread))
    filterset_class = ThreadFilter
    ordering_fields = ["created_at", "locked_at"]
    ordering = ["-created_at", "id"]

    def get_queryset(self):
        delivered = (Post.objects.filter(deleted_at__isnull=True, hidden_at__isnull=True).exclude(role="")
                     .only("id", "thread_id", "role"))
        return super().get_queryset().select_related("prompt__cohort", "squad").prefetch_related(
            Prefetch("assignments", queryset=RoleAssignment.objects.select_related("user")
                     .order_by("role", "user__full_name", "user_id")),
            Prefetch("posts", queryset=delivered, to_attr="deliverable_posts"),
        )

    def _read(self, thread: Thread) -> dict:
        return ThreadSerializer(self.get_queryset().get(pk=thread.pk)).data

    @extend_schema(summary="Lock a thread: no new posts or edits (facilitators, HR admins)",
                   request=None, responses=ThreadSerializer)
    @action(detail=True, methods=["post"])
    def lock(self, request, pk=None):
        thread = self.get_object()
        services.thread_lock(actor=request.user, thread=thread, locked=True)
        return Response(self._read(thread))

    @extend_schema(summary="Unlock a thread (facilitators, HR admins)", request=None,
                   responses=ThreadSerializer)
    @action(detail=True, methods=["post"])
    def unlock(self, request, pk=None):
        thread = self.get_object()
        services.thread_lock(actor=request.user, thread=thread, locked=False)
        return Response(self._read(thread))

    @extend_schema(summary="Swap two members' roles in a thread (facilitators, HR admins)",
                   description="Either may hold no role; the rotation continues from the swap.",
                   request=SwapRolesSerializer, responses=ThreadSerializer,
                   examples=[OpenApiExample("Two members", request_only=True, value={"users": [12, 15]})])
    @action(detail=True, methods=["post"], url_path="swap-roles")
    def swap_roles(self, request, pk=None):
        thread = self.get_object()
        serializer = SwapRolesSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        first, second = serializer.validated_data["users"]
        services.roles_swap(actor=request.user, thread=thread, first_user_id=first.pk,
                            second_user_id=second.pk)
        return Response(self._read(thread))


# --- posts ----------------------------------------------------------------------------

_MODERATE = ("prompt.manage", _cohort_of_post)


@extend_schema_view(
    list=extend_schema(summary="Posts I may read",
                       description="Live posts of my cohorts' threads; facilitators also see the "
                                   "posts they hid (`hidden`). Deleted posts are never listed."),
    retrieve=extend_schema(summary="One post with its earlier versions", responses=PostDetailSerializer),
    create=extend_schema(
        summary="Post in a thread, reply to a post, or post my role's deliverable",
        description="With `as_role`, the post is my role's deliverable and must fit the role's "
                    "word bounds. Refused with a field message when the thread is locked, the text "
                    "is too short or long, or I posted too often in the last minutes.",
        request=PostCreateSerializer, responses={201: PostDetailSerializer},
        examples=[OpenApiExample("A reply", request_only=True, value={
            "thread": 3, "parent": 41, "body": "Agreed, @sam: *specific* beats kind."})],
    ),
    partial_update=extend_schema(summary="Edit my post; the previous text is kept as a version",
                                 request=PostEditSerializer, responses=PostDetailSerializer),
    destroy=extend_schema(summary="Delete my post (kept for the audit, gone for readers)"),
)
class PostViewSet(
    DiscussionViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = PostSerializer
    object_permissions = {
        "partial_update": "post.change", "destroy": "post.change",
        "endorse": "post.react", "nominate": "post.react", "flag": "post.react",
        "hide": _MODERATE, "restore": _MODERATE, "top_take": _MODERATE, "message_author": _MODERATE,
    }
    filterset_fields = ["thread", "author", "role", "parent"]
    ordering_fields = ["created_at"]
    ordering = ["created_at", "id"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        user = self.request.user
        posts = readable_posts(user).select_related("author", "top_take").annotate(
            endorsement_count=Count("endorsements", distinct=True),
            endorsed_by_me=Exists(Endorsement.objects.filter(post=OuterRef("pk"), user_id=user.pk)),
        )
        if self.action != "list":
            posts = posts.select_related("thread__prompt__cohort").prefetch_related("versions")
        return posts

    def get_serializer_class(self):
        return PostSerializer if self.action == "list" else PostDetailSerializer

    def _read(self, post: Post) -> dict:
        return PostDetailSerializer(self.get_queryset().get(pk=post.pk)).data

    def create(self, request, *args, **kwargs):
        serializer = PostCreateSerializer(data=request.data, context=self.get_serializer_context(),
                                          readable_posts=readable_posts(request.user))
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        post = services.post_create(actor=request.user, thread=data["thread"], body=data["body"],
                                    parent=data.get("parent"), as_role=data["as_role"])
        return Response(self._read(post), status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        post = self.get_object()
        data = self.validated(PostEditSerializer)
        services.post_edit(actor=request.user, post=post, body=data["body"])
        return Response(self._read(post))

    def destroy(self, request, *args, **kwargs):
        services.post_delete(actor=request.user, post=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary="Endorse a post as helpful, or take it back (a toggle)",
                   description="Cohort members; not one's own post.",
                   request=EndorseSerializer, responses=EndorseResultSerializer,
                   examples=[OpenApiExample("With a line", request_only=True,
                                            value={"text": "Names the behaviour, not the person."})])
    @action(detail=True, methods=["post"])
    def endorse(self, request, pk=None):
        post = self.get_object()
        data = self.validated(EndorseSerializer)
        endorsement = services.endorsement_toggle(actor=request.user, post=post,
                                                  text=data["text"])
        return Response(EndorseResultSerializer({
            "endorsed": endorsement is not None, "text": endorsement.text if endorsement else "",
            "endorsement_count": Endorsement.objects.filter(post=post).count(),
        }).data)

    @extend_schema(summary="Nominate a post as a Top Take (cohort members)", request=None,
                   responses=NominateResultSerializer)
    @action(detail=True, methods=["post"])
    def nominate(self, request, pk=None):
        post = self.get_object()
        services.top_take_nominate(actor=request.user, post=post)
        return Response(NominateResultSerializer({
            "nominated": True, "nomination_count": TopTakeNomination.objects.filter(post=post).count(),
        }).data)

    @extend_schema(summary="Flag a post for a facilitator (cohort members)", request=FlagCreateSerializer,
                   responses={201: FlagSerializer},
                   examples=[OpenApiExample("Off topic", request_only=True,
                                            value={"reason": "off_topic", "note": "An advert."})])
    @action(detail=True, methods=["post"])
    def flag(self, request, pk=None):
        post = self.get_object()
        data = self.validated(FlagCreateSerializer)
        flag = services.post_flag(actor=request.user, post=post, **data)
        return Response(FlagSerializer(flag).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Hide a post from readers (facilitators, HR admins)", request=None,
                   responses=PostDetailSerializer)
    @action(detail=True, methods=["post"])
    def hide(self, request, pk=None):
        post = self.get_object()
        services.post_hide(actor=request.user, post=post)
        return Response(self._read(post))

    @extend_schema(summary="Show a hidden post again (facilitators, HR admins)", request=None,
                   responses=PostDetailSerializer)
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        post = self.get_object()
        services.post_restore(actor=request.user, post=post)
        return Response(self._read(post))

    @extend_schema(summary="Mark a post as a Top Take, with a one-line reason (facilitators, HR admins)",
                   request=TopTakeInputSerializer, responses={201: TopTakeSerializer},
                   examples=[OpenApiExample("A reason", request_only=True,
                                            value={"reason": "Turns a complaint into a request."})])
    @action(detail=True, methods=["post"], url_path="top-take")
    def top_take(self, request, pk=None):
        post = self.get_object()
        data = self.validated(TopTakeInputSerializer)
        top_take = services.top_take_select(actor=request.user, post=post,
                                            reason=data["reason"])
        return Response(TopTakeSerializer(top_take).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Write privately to a post's author (facilitators, HR admins)",
        description="The author gets an in-app notification that links to the post; the message is kept "
                    "in the audit log. Refused with a field message when the text is empty or too long, "
                    "or the post is your own.",
        request=AuthorMessageInputSerializer, responses={201: AuthorMessageSerializer},
        examples=[OpenApiExample("A nudge", request_only=True, value={
            "text": "Thanks for this. Could you add one concrete example, so the squad can build on it?"})])
    @action(detail=True, methods=["post"], url_path="message-author")
    def message_author(self, request, pk=None):
        post = self.get_object()
        data = self.validated(AuthorMessageInputSerializer)
        notification = services.author_message(actor=request.user, post=post,
                                                text=data["text"])
        return Response(AuthorMessageSerializer(notification).data, status=status.HTTP_201_CREATED)


# --- flags ----------------------------------------------------------------------------


class FlagFilter(django_filters.FilterSet):
    resolved = django_filters.BooleanFilter(field_name="resolved_at", lookup_expr="isnull", exclude=True,
                                            label="Resolved (true) or open (false)")
    cohort = django_filters.ModelChoiceFilter(field_name="post__thread__prompt__cohort",
                                              queryset=Cohort.objects.all(), label="Flags in this cohort")

    class Meta:
        model = Flag
        fields = ["post", "reason", "resolved", "cohort"]


@extend_schema_view(
    list=extend_schema(summary="Flags I may see",
                       description="Facilitators see their cohorts' flags, the week's learner moderator "
                                   "the low-risk ones (spam, off topic), everyone the flags they raised."),
    retrieve=extend_schema(summary="One flag"),
)
class FlagViewSet(DiscussionViewSetMixin, viewsets.ReadOnlyModelViewSet):
    base_queryset = Flag.objects.all()
    serializer_class = FlagSerializer
    object_permissions = {"resolve": "flag.resolve"}
    filterset_class = FlagFilter
    ordering_fields = ["created_at", "resolved_at"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return super().get_queryset().select_related("post__thread__prompt__cohort")

    @extend_schema(summary="Resolve a flag: upheld hides the post, dismissed leaves it",
                   description="Facilitators and HR admins resolve any flag; the week's learner "
                               "moderator the low-risk ones.",
                   request=FlagResolveSerializer, responses=FlagSerializer,
                   examples=[OpenApiExample("Dismissed", request_only=True,
                                            value={"outcome": "dismissed", "note": "On topic after all."})])
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        flag = self.get_object()
        data = self.validated(FlagResolveSerializer)
        services.flag_resolve(actor=request.user, flag=flag, **data)
        return Response(FlagSerializer(self.get_queryset().get(pk=flag.pk)).data)


# --- the moderation queue -------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="My moderation queue: what needs a human now, most urgent first",
        description="Across every cohort I look after: flagged posts, heated threads, missing role "
                    "deliverables, unanswered questions and silent squads, each saying why "
                    "(`label`, `text`) and how urgent (`score`). Facilitators get their cohorts' "
                    "queue, HR admins every cohort's of the organisation, the week's learner moderator "
                    "only the low-risk flags (spam, off topic) of their cohort; for everyone else "
                    "the queue is empty. Act with the posts', threads' and flags' actions "
                    "(hide, restore, message-author, lock, resolve)."),
)
class ModerationQueueViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The portal's moderation page as a list: the same items in the same order
    (discussions.moderation_queue), computed in a fixed number of queries."""

    serializer_class = ModerationQueueItemSerializer
    permission_classes = [permissions.IsAuthenticated]
    filter_backends: list = []  # a ranked list, not a queryset: no filters or ordering

    def get_queryset(self):
        user = self.request.user
        if getattr(self, "swagger_fake_view", False) or not policy.allows(user, "moderation.queue"):
            return []
        return moderation_queue.queue_for(user)


# --- the cohort feed ------------------------------------------------------------------


def feed_items(user):
    """What the cohort feed shows: visible items, newest first, with who did it."""
    return (policy.scope(user, FeedItem.objects.filter(visible=True)).select_related("actor")
            .annotate(thread=F("post__thread_id")))


@extend_schema_view(
    list=extend_schema(summary="The feed of my cohorts, newest first",
                       description="Posts, micro-tasks done, endorsements and Top Takes. Filter by "
                                   "`cohort` for one cohort's feed."),
    retrieve=extend_schema(summary="One feed item"),
)
class FeedViewSet(DiscussionViewSetMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = FeedItemSerializer
    filterset_fields = ["cohort", "kind"]
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return feed_items(self.request.user)


class CohortFeedView(generics.ListAPIView):
    """One cohort's feed; a cohort I may not see is a 404."""

    serializer_class = FeedItemSerializer
    filterset_fields = ["kind"]
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]

    @extend_schema(summary="A cohort's feed, newest first",
                   parameters=[OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH,
                                                description="The cohort's id.")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return FeedItem.objects.none()
        cohorts = policy.scope(self.request.user, Cohort.objects.all())
        cohort = get_object_or_404(cohorts, pk=self.kwargs["id"])
        return feed_items(self.request.user).filter(cohort=cohort)


# --- micro-tasks ----------------------------------------------------------------------


class MicroTaskCompletionFilter(django_filters.FilterSet):
    cohort = django_filters.ModelChoiceFilter(field_name="step__cohort", queryset=Cohort.objects.all(),
                                              label="Completions in this cohort")
    mine = django_filters.BooleanFilter(method="filter_mine", label="Only my own completions")

    class Meta:
        model = MicroTaskCompletion
        fields = ["step", "user", "cohort", "mine"]

    def filter_mine(self, queryset, name, value):
        return queryset.filter(user=self.request.user) if value else queryset


@extend_schema_view(
    list=extend_schema(summary="Micro-tasks done in my cohorts",
                       description="`mine=true` for my own."),
    retrieve=extend_schema(summary="One micro-task done"),
    create=extend_schema(
        summary="Mark a micro-task done with a short comment (learners, peer mentors)",
        description="The comment shows in the cohort feed.",
        request=MicroTaskCompleteSerializer, responses={201: MicroTaskCompletionSerializer},
        examples=[OpenApiExample("Done", request_only=True,
                                 value={"step": 7, "comment": "Asked Sam for feedback; it helped."})],
    ),
)
class MicroTaskCompletionViewSet(
    DiscussionViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    base_queryset = MicroTaskCompletion.objects.all()
    serializer_class = MicroTaskCompletionSerializer
    filterset_class = MicroTaskCompletionFilter
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return super().get_queryset().select_related("user", "step")

    def create(self, request, *args, **kwargs):
        serializer = MicroTaskCompleteSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        completion = services.microtask_complete(actor=request.user, **serializer.validated_data)
        return Response(MicroTaskCompletionSerializer(self.get_queryset().get(pk=completion.pk)).data,
                        status=status.HTTP_201_CREATED)


# --- notifications --------------------------------------------------------------------


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull",
                                          label="Unread (true) or read (false)")

    class Meta:
        model = Notification
        fields = ["unread", "kind"]


@extend_schema_view(
    list=extend_schema(summary="My notifications, newest first"),
    retrieve=extend_schema(summary="One of my notifications"),
)
class NotificationViewSet(DiscussionViewSetMixin, viewsets.ReadOnlyModelViewSet):
    base_queryset = Notification.objects.all()
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]

    @extend_schema(summary="Mark one of my notifications read", request=None,
                   responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = core_services.notification_mark_read(actor=request.user,
                                                            notification=self.get_object())
        return Response(NotificationSerializer(notification).data)

    @extend_schema(summary="Mark all my notifications read", request=None, responses=MarkedReadSerializer)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        marked = core_services.notifications_mark_all_read(actor=request.user)
        return Response(MarkedReadSerializer({"marked": marked}).data)
