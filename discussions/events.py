"""Event verbs the discussions app emits (consumed by gamification, nudges,
analytics). Payloads carry cohort, squad, author and length, so consumers need
no lookups."""


class DiscussionVerb:
    PROMPT_PUBLISHED = "prompt_published"
    ROLE_ASSIGNED = "role_assigned"
    ROLES_SWAPPED = "roles_swapped"
    POST_CREATED = "post_created"
    REPLY_CREATED = "reply_created"
    POST_EDITED = "post_edited"
    POST_DELETED = "post_deleted"
    POST_ENDORSED = "post_endorsed"
    POST_UNENDORSED = "post_unendorsed"
    TOP_TAKE_NOMINATED = "top_take_nominated"
    TOP_TAKE_SELECTED = "top_take_selected"
    MICROTASK_COMPLETED = "microtask_completed"
    POST_FLAGGED = "post_flagged"
    FLAG_RESOLVED = "flag_resolved"
    POST_HIDDEN = "post_hidden"
    POST_RESTORED = "post_restored"
    THREAD_LOCKED = "thread_locked"
    THREAD_UNLOCKED = "thread_unlocked"
    AUTHOR_MESSAGED = "author_messaged"
    MODERATOR_ROTATED = "moderator_rotated"
    # Every role of a prompt delivered in one squad thread (once per thread).
    SQUAD_MILESTONE_REACHED = "squad_milestone_reached"
