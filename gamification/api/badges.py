"""Badges through the REST API: the badges of my organisation (its own and the house
defaults it has not replaced), the awards I may see, an award's signed credential
(for its earner) and revoking one (HR admins). Read-only otherwise: awards are made
by the event consumer alone, badges are edited in the admin."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from cohorts.models import Cohort, User
from core import policy
from core.api.viewsets import ScopedReadOnlyViewSet
from core.errors import ApplicationError

from .. import credentials, services
from ..badge_models import Badge, BadgeAward

REVOCATION_REASON_MAX_LENGTH = BadgeAward._meta.get_field("revocation_reason").max_length


def _organization_id(context) -> int | None:
    request = context.get("request")
    return getattr(getattr(request, "user", None), "organization_id", None)


class BadgeSerializer(serializers.ModelSerializer):
    criterion_summary = serializers.CharField(read_only=True, help_text="The criterion in one line.")
    image_url = serializers.SerializerMethodField()
    achievement_url = serializers.SerializerMethodField()

    class Meta:
        model = Badge
        fields = ["id", "code", "name", "description", "criteria_text", "criterion_summary", "kind",
                  "threshold", "period_weeks", "per_week", "icon", "colour", "is_public", "image_url",
                  "achievement_url"]
        read_only_fields = fields

    def _issuing_organization(self, badge: Badge) -> int | None:
        # A house default is issued by the organisation that uses it, so its addresses are per organisation.
        return _organization_id(self.context) or badge.organization_id

    @extend_schema_field(serializers.URLField(allow_null=True, help_text=(
        "The badge image (SVG). Null only for platform operators outside any organisation.")))
    def get_image_url(self, badge: Badge) -> str | None:
        organization_id = self._issuing_organization(badge)
        return credentials.image_url(organization_id, badge.pk) if organization_id else None

    @extend_schema_field(serializers.URLField(allow_null=True, help_text=(
        "The Open Badges achievement, as JSON. Null only for platform operators outside any "
        "organisation.")))
    def get_achievement_url(self, badge: Badge) -> str | None:
        organization_id = self._issuing_organization(badge)
        return credentials.achievement_url(organization_id, badge.pk) if organization_id else None


class AwardBadgeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class AwardLearnerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")


def sees_revocation_reason(user, award: BadgeAward) -> bool:
    """The earner, HR admins and analysts read why a badge was taken back; others
    see that it was, not why."""
    if award.learner_id == user.pk or policy.is_operator(user):
        return True
    roles = policy.roles(user)
    return roles.is_hr_admin or roles.is_analyst


class BadgeAwardSerializer(serializers.ModelSerializer):
    badge = AwardBadgeSerializer(read_only=True)
    learner = AwardLearnerSerializer(read_only=True)
    revocation_reason = serializers.SerializerMethodField()
    verification_url = serializers.SerializerMethodField()

    class Meta:
        model = BadgeAward
        fields = ["id", "badge", "learner", "cohort", "awarded_at", "revoked_at", "revocation_reason",
                  "verification_url"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True, help_text=(
        "Why it was revoked: for the earner, HR admins and analysts; null for everyone else and while "
        "the award stands.")))
    def get_revocation_reason(self, award: BadgeAward) -> str | None:
        request = self.context.get("request")
        if not award.is_revoked or request is None or not sees_revocation_reason(request.user, award):
            return None
        return award.revocation_reason

    @extend_schema_field(serializers.URLField(help_text=(
        "The public page that verifies the credential; it is also the credential's id.")))
    def get_verification_url(self, award: BadgeAward) -> str:
        return credentials.credential_url(award.pk)


class CredentialSerializer(serializers.Serializer):
    credential = serializers.CharField(help_text=(
        "The Open Badges 3.0 credential as a VC-JWT (compact JWS, EdDSA) signed with the organisation's "
        "key; its payload is the credential, whose id is `verification_url`."))
    verification_url = serializers.URLField()


class RevokeSerializer(serializers.Serializer):
    # A blank reason reaches the service, which says why one is needed.
    reason = serializers.CharField(allow_blank=True, trim_whitespace=False,
                                   max_length=REVOCATION_REASON_MAX_LENGTH,
                                   help_text="Why the badge is taken back; the earner sees it.")


class BadgeAwardFilter(django_filters.FilterSet):
    learner = django_filters.ModelChoiceFilter(queryset=User.objects.all())
    cohort = django_filters.ModelChoiceFilter(queryset=Cohort.objects.all())
    badge = django_filters.CharFilter(field_name="badge__code", help_text="A badge's code.")
    revoked = django_filters.BooleanFilter(field_name="revoked_at", lookup_expr="isnull", exclude=True,
                                           label="true: revoked awards; false: awards that stand")

    class Meta:
        model = BadgeAward
        fields = ["learner", "cohort", "badge", "revoked"]


@extend_schema_view(
    list=extend_schema(summary="The badges of my organisation",
                       description="Its own badges and the house defaults it has not replaced, active ones "
                                   "only (an inactive badge of its own switches the default off). HR "
                                   "admins edit them in the admin."),
    retrieve=extend_schema(summary="One badge"),
)
class BadgeViewSet(ScopedReadOnlyViewSet):
    base_queryset = Badge.objects.all()
    serializer_class = BadgeSerializer
    ordering_fields = ["name", "code"]
    ordering = ["name", "code", "id"]

    def get_queryset(self):
        queryset = super().get_queryset().filter(is_active=True)
        organization_id = getattr(self.request.user, "organization_id", None)
        if organization_id is None:  # a platform operator outside any organisation, or nobody
            return queryset
        # As services.badges.effective_badges decides, in one query: an own badge (active or
        # not) replaces the house default of the same code.
        replaced = Badge.objects.filter(organization_id=organization_id).values("code")
        return queryset.filter(Q(organization_id=organization_id)
                               | (Q(organization__isnull=True) & ~Q(code__in=replaced)))


@extend_schema_view(
    list=extend_schema(summary="Badge awards I may see, newest first",
                       description="My own awards; facilitators see those earned in their cohorts, HR "
                                   "admins and analysts the organisation's, and everyone the earners of "
                                   "public badges (except people who stay off leaderboards). Filter with "
                                   "`learner`, `badge` (a code), `cohort` or `revoked`. A revoked award "
                                   "stays listed with when it was revoked; only the earner, HR admins "
                                   "and analysts read why."),
    retrieve=extend_schema(summary="One badge award"),
)
class BadgeAwardViewSet(ScopedReadOnlyViewSet):
    base_queryset = BadgeAward.objects.all()
    serializer_class = BadgeAwardSerializer
    filterset_class = BadgeAwardFilter
    object_permissions = {"credential": "badges.credential", "revoke": "badges.revoke"}
    ordering_fields = ["awarded_at"]
    ordering = ["-awarded_at", "-id"]

    def get_queryset(self):
        return super().get_queryset().select_related("badge", "learner")

    def _read(self, award: BadgeAward) -> dict:
        return BadgeAwardSerializer(self.get_queryset().get(pk=award.pk),
                                    context=self.get_serializer_context()).data

    @extend_schema(summary="My award as a signed Open Badges 3.0 credential (the earner only)",
                   description="A VC-JWT anyone can check on the verification page. Only the earner "
                               "downloads it (it carries their name); a revoked award has none.",
                   responses=CredentialSerializer)
    @action(detail=True, methods=["get"])
    def credential(self, request, pk=None):
        award = self.get_object()
        if award.is_revoked:
            # A fresh signature would verify anywhere that does not ask us about revocation.
            raise ApplicationError("This badge was revoked, so it has no credential to download.")
        return Response(CredentialSerializer({"credential": credentials.signed_credential(award),
                                              "verification_url": credentials.credential_url(award.pk)}).data)

    @extend_schema(
        summary="Revoke an award (HR admins)",
        description="The award stays, marked revoked: its credential then verifies as revoked and the "
                    "badge is not earned again. The reason is audited and shown to the earner.",
        request=RevokeSerializer, responses=BadgeAwardSerializer,
        examples=[OpenApiExample("Copied work", request_only=True,
                                 value={"reason": "The reviews were copied from another course."})],
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        award = self.get_object()
        data = self.validated(RevokeSerializer)
        award = services.badge_revoke(actor=request.user, award=award, reason=data["reason"])
        return Response(self._read(award))

