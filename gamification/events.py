"""Event verbs the gamification app emits."""


class GamificationVerb:
    KUDOS_GIVEN = "kudos_given"
    BADGE_AWARDED = "badge_awarded"
    BADGE_REVOKED = "badge_revoked"
