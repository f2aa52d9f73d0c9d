from rest_framework import serializers

from core.api.viewsets import scope_related_fields

from ..models import (
    TIMEZONE_CHOICES,
    Cohort,
    CohortMembership,
    CohortState,
    JourneyStep,
    JourneyTemplate,
    Organization,
    Squad,
    User,
)


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name", "slug", "default_timezone", "created_at"]
        read_only_fields = ["id", "slug", "created_at"]


class UserSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(read_only=True)

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "display_name", "title", "department", "timezone",
                  "locale", "is_active", "date_joined"]
        read_only_fields = ["id", "display_name", "date_joined"]


class UserCreateSerializer(serializers.Serializer):
    email = serializers.EmailField()
    full_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    title = serializers.CharField(max_length=150, required=False, allow_blank=True)
    department = serializers.CharField(max_length=150, required=False, allow_blank=True)
    timezone = serializers.ChoiceField(choices=TIMEZONE_CHOICES, required=False)
    locale = serializers.ChoiceField(choices=["en", "de", "fr", "es"], required=False)


class UserUpdateSerializer(serializers.Serializer):
    email = serializers.EmailField(required=False)
    full_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    title = serializers.CharField(max_length=150, required=False, allow_blank=True)
    department = serializers.CharField(max_length=150, required=False, allow_blank=True)
    timezone = serializers.ChoiceField(choices=TIMEZONE_CHOICES, required=False)
    locale = serializers.ChoiceField(choices=["en", "de", "fr", "es"], required=False)
    is_active = serializers.BooleanField(required=False)


class MeSerializer(UserSerializer):
    organization = OrganizationSerializer(read_only=True)
    organization_roles = serializers.SerializerMethodField()
    cohort_roles = serializers.SerializerMethodField()

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "organization", "organization_roles", "cohort_roles"]

    def get_organization_roles(self, user) -> list[str]:
        from core import policy

        return sorted(policy.roles(user).org_roles)

    def get_cohort_roles(self, user) -> dict[str, str]:
        from core import policy

        return {str(k): v for k, v in sorted(policy.roles(user).cohort_roles.items())}


class SquadSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Squad
        fields = ["id", "name"]


class CohortSerializer(serializers.ModelSerializer):
    member_count = serializers.IntegerField(read_only=True)
    squads = SquadSummarySerializer(many=True, read_only=True)

    class Meta:
        model = Cohort
        fields = ["id", "name", "slug", "description", "state", "timezone", "start_date",
                  "end_date", "journey_template", "member_count", "squads", "created_at"]
        read_only_fields = ["id", "slug", "member_count", "squads", "created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        scope_related_fields(self, journey_template=JourneyTemplate)

    def validate(self, attrs):
        start = attrs.get("start_date", getattr(self.instance, "start_date", None))
        end = attrs.get("end_date", getattr(self.instance, "end_date", None))
        if start and end and end < start:
            raise serializers.ValidationError({"end_date": "The cohort must end on or after its start date."})
        return attrs


class CohortCreateSerializer(CohortSerializer):
    end_date = serializers.DateField(required=False,
                                     help_text="Defaults to the template's length (or 6 weeks).")
    state = serializers.ChoiceField(choices=CohortState.choices, default=CohortState.DRAFT)

    class Meta(CohortSerializer.Meta):
        pass


class SquadSerializer(serializers.ModelSerializer):
    member_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Squad
        fields = ["id", "cohort", "name", "member_count", "created_at"]
        read_only_fields = ["id", "member_count", "created_at"]
        # The service checks the name (case-insensitively) and answers on the `name`
        # field; DRF's generated unique-together check would preempt it with a
        # non-field "must make a unique set".
        validators = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            self.fields["cohort"].read_only = True
        scope_related_fields(self, cohort=Cohort)


class MembershipSerializer(serializers.ModelSerializer):
    user_detail = UserSerializer(source="user", read_only=True)

    class Meta:
        model = CohortMembership
        fields = ["id", "cohort", "user", "user_detail", "role", "squad", "joined_at"]
        read_only_fields = ["id", "user_detail", "joined_at"]
        # The service refuses a second membership on the `user` field ("... is already
        # in this cohort"); DRF's generated unique-together check would preempt it.
        validators = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            self.fields["cohort"].read_only = True
            self.fields["user"].read_only = True
        scope_related_fields(self, cohort=Cohort, user=User, squad=Squad)

    def validate(self, attrs):
        cohort = attrs.get("cohort", getattr(self.instance, "cohort", None))
        squad = attrs.get("squad")
        if squad is not None and cohort is not None and squad.cohort_id != cohort.pk:
            raise serializers.ValidationError({"squad": "That squad belongs to another cohort."})
        return attrs


class JourneyStepSerializer(serializers.ModelSerializer):
    class Meta:
        model = JourneyStep
        fields = ["id", "week", "day_offset", "kind", "title", "description", "minutes", "order"]


class JourneyTemplateSerializer(serializers.ModelSerializer):
    steps = JourneyStepSerializer(many=True, read_only=True)

    class Meta:
        model = JourneyTemplate
        fields = ["id", "name", "description", "weeks", "steps", "created_at"]


class ArrangeSquadsSerializer(serializers.Serializer):
    squad_size = serializers.IntegerField(min_value=3, max_value=8, default=5)


class ArrangeSquadsResultSerializer(serializers.Serializer):
    placed = serializers.IntegerField()
    squads_created = serializers.IntegerField()
