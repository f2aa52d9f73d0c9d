from django.db.models import Count, Prefetch
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core import policy
from core.api.viewsets import ScopedReadOnlyViewSet, ScopedViewSetMixin
from core.errors import PermissionDenied

from .. import services
from ..models import Cohort, CohortMembership, JourneyTemplate, Organization, Squad, User
from .serializers import (
    ArrangeSquadsResultSerializer,
    ArrangeSquadsSerializer,
    CohortCreateSerializer,
    CohortSerializer,
    JourneyTemplateSerializer,
    MembershipSerializer,
    MeSerializer,
    OrganizationSerializer,
    SquadSerializer,
    UserCreateSerializer,
    UserSerializer,
    UserUpdateSerializer,
)


class MeView(generics.RetrieveUpdateAPIView):
    """The signed-in person, their organisation and roles."""

    serializer_class = MeSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        return User.objects.select_related("organization").get(pk=self.request.user.pk)

    @extend_schema(summary="Who am I", responses=MeSerializer)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(summary="Update my name, title, department, timezone or locale",
                   request=UserUpdateSerializer, responses=MeSerializer)
    def patch(self, request, *args, **kwargs):
        serializer = UserUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.user_update(actor=request.user, user=request.user, **serializer.validated_data)
        return Response(MeSerializer(self.get_object()).data)


class OrganizationView(generics.RetrieveAPIView):
    serializer_class = OrganizationSerializer

    @extend_schema(summary="My organisation")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_object(self):
        organization = policy.scope(self.request.user, Organization.objects.all()).first()
        if organization is None:
            from django.http import Http404

            raise Http404("You do not belong to an organisation.")
        return organization


@extend_schema_view(
    list=extend_schema(summary="People in my organisation"),
    retrieve=extend_schema(summary="One person"),
    create=extend_schema(summary="Add a person (HR admins)", request=UserCreateSerializer,
                         responses={201: UserSerializer}),
    partial_update=extend_schema(summary="Change a person (HR admins, or yourself)",
                                 request=UserUpdateSerializer, responses=UserSerializer),
)
class UserViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    base_queryset = User.objects.all()
    serializer_class = UserSerializer
    filterset_fields = ["is_active", "department", "email"]
    ordering_fields = ["full_name", "email", "date_joined"]
    ordering = ["full_name", "email"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def create(self, request, *args, **kwargs):
        serializer = UserCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        organization = policy.scope(request.user, Organization.objects.all()).first()
        if organization is None:
            raise PermissionDenied("You do not belong to an organisation.")
        user = services.user_create(actor=request.user, organization=organization,
                                    **serializer.validated_data)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        user = self.get_object()
        serializer = UserUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.user_update(actor=request.user, user=user, **serializer.validated_data)
        return Response(UserSerializer(user).data)


@extend_schema_view(
    list=extend_schema(summary="Cohorts I may see"),
    retrieve=extend_schema(summary="One cohort"),
    create=extend_schema(
        summary="Create a cohort (HR admins and facilitators)",
        description="With `journey_template`, the template's steps are copied with dates "
                    "shifted to `start_date`.",
        request=CohortCreateSerializer, responses={201: CohortSerializer},
        examples=[OpenApiExample("From a template", request_only=True, value={
            "name": "Leading teams, spring", "start_date": "2027-03-01",
            "timezone": "Europe/Berlin", "journey_template": 1})],
    ),
    update=extend_schema(summary="Replace a cohort's settings"),
    partial_update=extend_schema(summary="Change a cohort's settings or state"),
    destroy=extend_schema(summary="Delete a cohort (HR admins)"),
)
class CohortViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    base_queryset = Cohort.objects.all()
    serializer_class = CohortSerializer
    object_permissions = {"update": "cohort.change", "partial_update": "cohort.change",
                          "destroy": "cohort.delete", "arrange_squads": "squad.manage"}
    filterset_fields = ["state", "journey_template", "start_date"]
    ordering_fields = ["start_date", "end_date", "name", "created_at"]
    ordering = ["-start_date", "name"]

    def get_queryset(self):
        return (
            super().get_queryset()
            .annotate(member_count=Count("memberships", distinct=True))
            .prefetch_related(Prefetch("squads", queryset=Squad.objects.order_by("name")))
        )

    def get_serializer_class(self):
        return CohortCreateSerializer if self.action == "create" else CohortSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        organization = policy.scope(request.user, Organization.objects.all()).first()
        if organization is None:
            raise PermissionDenied("You do not belong to an organisation.")
        cohort = services.cohort_create(
            actor=request.user, organization=organization, name=data["name"],
            start_date=data["start_date"], end_date=data.get("end_date"),
            timezone=data.get("timezone"), description=data.get("description", ""),
            template=data.get("journey_template"), state=data["state"],
        )
        policy.forget_roles(request.user)
        cohort = self.get_queryset().get(pk=cohort.pk)
        return Response(CohortSerializer(cohort).data, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer):
        services.cohort_update(actor=self.request.user, cohort=serializer.instance,
                               **serializer.validated_data)

    def update(self, request, *args, **kwargs):
        response = super().update(request, *args, **kwargs)
        response.data = CohortSerializer(self.get_queryset().get(pk=kwargs["pk"])).data
        return response

    def perform_destroy(self, instance):
        services.cohort_delete(actor=self.request.user, cohort=instance)

    @extend_schema(summary="Place everyone without a squad into squads",
                   description="Fills the smallest squads first and opens new ones so that no "
                               "squad grows past `squad_size`. Members already placed stay.",
                   request=ArrangeSquadsSerializer, responses=ArrangeSquadsResultSerializer)
    @action(detail=True, methods=["post"], url_path="arrange-squads")
    def arrange_squads(self, request, pk=None):
        cohort = self.get_object()
        serializer = ArrangeSquadsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.squads_auto_arrange(actor=request.user, cohort=cohort,
                                              squad_size=serializer.validated_data["squad_size"])
        return Response(ArrangeSquadsResultSerializer(result).data)


@extend_schema_view(
    list=extend_schema(summary="Squads in cohorts I may see"),
    retrieve=extend_schema(summary="One squad"),
    create=extend_schema(summary="Create a squad (facilitators of the cohort)"),
    update=extend_schema(summary="Rename a squad"),
    partial_update=extend_schema(summary="Rename a squad"),
    destroy=extend_schema(summary="Delete a squad; its members stay in the cohort"),
)
class SquadViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    base_queryset = Squad.objects.all()
    serializer_class = SquadSerializer
    object_permissions = {"update": "squad.manage", "partial_update": "squad.manage",
                          "destroy": "squad.manage"}
    filterset_fields = ["cohort"]
    ordering_fields = ["name", "created_at"]
    ordering = ["name"]

    def get_queryset(self):
        return super().get_queryset().annotate(member_count=Count("memberships"))

    def perform_create(self, serializer):
        serializer.instance = services.squad_create(
            actor=self.request.user, cohort=serializer.validated_data["cohort"],
            name=serializer.validated_data["name"],
        )
        serializer.instance.member_count = 0

    def perform_update(self, serializer):
        if "name" in serializer.validated_data:
            services.squad_rename(actor=self.request.user, squad=serializer.instance,
                                  name=serializer.validated_data["name"])

    def perform_destroy(self, instance):
        services.squad_delete(actor=self.request.user, squad=instance)


@extend_schema_view(
    list=extend_schema(summary="Cohort memberships I may see"),
    retrieve=extend_schema(summary="One membership"),
    create=extend_schema(summary="Add a person to a cohort (facilitators, HR admins)"),
    update=extend_schema(summary="Change a member's role or squad"),
    partial_update=extend_schema(summary="Change a member's role or squad"),
    destroy=extend_schema(summary="Remove a member from a cohort"),
)
class MembershipViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    base_queryset = CohortMembership.objects.select_related("user")
    serializer_class = MembershipSerializer
    object_permissions = {"update": "membership.manage", "partial_update": "membership.manage",
                          "destroy": "membership.manage"}
    filterset_fields = ["cohort", "role", "squad", "user"]
    ordering_fields = ["joined_at", "role"]
    ordering = ["cohort", "joined_at"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.membership_add(
            actor=self.request.user, cohort=data["cohort"], user=data["user"],
            role=data.get("role", "learner"), squad=data.get("squad"),
        )

    def perform_update(self, serializer):
        data = serializer.validated_data
        kwargs = {"role": data.get("role")}
        if "squad" in data:
            kwargs["squad"] = data["squad"]
        services.membership_update(actor=self.request.user, membership=serializer.instance,
                                   **kwargs)

    def perform_destroy(self, instance):
        services.membership_remove(actor=self.request.user, membership=instance)


@extend_schema_view(
    list=extend_schema(summary="Journey templates of my organisation"),
    retrieve=extend_schema(summary="One journey template with its steps"),
)
class JourneyTemplateViewSet(ScopedReadOnlyViewSet):
    base_queryset = JourneyTemplate.objects.prefetch_related("steps")
    serializer_class = JourneyTemplateSerializer
    filterset_fields = ["name"]
    ordering_fields = ["name", "created_at"]
    ordering = ["name"]
