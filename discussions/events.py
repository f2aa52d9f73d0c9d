"""Event verbs the discussions app emits."""


class DiscussionVerb:
    PROMPT_PUBLISHED = "prompt_published"
    ROLE_ASSIGNED = "role_assigned"
    ROLES_SWAPPED = "roles_swapped"
    POST_CREATED = "post_created"
    REPLY_CREATED = "reply_created"
    POST_EDITED = "post_edited"
    POST_DELETED = "post_deleted"
