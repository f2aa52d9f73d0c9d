"""Writes of the discussions app, one module per subject; import from here."""

from .engagement import endorsement_toggle, microtask_complete, top_take_nominate, top_take_select
from .moderation import (
    MODERATOR_ROLES,
    author_message,
    flag_resolve,
    moderator_set,
    moderators_rotate,
    post_flag,
    post_hide,
    post_restore,
    thread_lock,
)
from .posts import MAX_POST_WORDS, POST_RATE_LIMIT, post_create, post_delete, post_edit
from .prompts import DEFAULT_ROLES, prompt_create, prompt_publish, roles_swap

__all__ = [
    "DEFAULT_ROLES",
    "MAX_POST_WORDS",
    "MODERATOR_ROLES",
    "POST_RATE_LIMIT",
    "author_message",
    "endorsement_toggle",
    "flag_resolve",
    "microtask_complete",
    "moderator_set",
    "moderators_rotate",
    "post_create",
    "post_delete",
    "post_edit",
    "post_flag",
    "post_hide",
    "post_restore",
    "prompt_create",
    "prompt_publish",
    "roles_swap",
    "thread_lock",
    "top_take_nominate",
    "top_take_select",
]
