"""Writes of the nudges app. Views, API, admin and tasks call these."""

from .admin_actions import messages_retry
from .approvals import proposals_approve, proposals_skip
from .delivery import deliver, release_due
from .digests import build_chunk as digest_chunk_build
from .digests import digest_intro_save, digest_preview, digest_send, digests_due
from .evaluation import evaluate, house_rules_install, rule_preview
from .peer import peer_nudge_send
from .preferences import preferences_save, unsubscribe, unsubscribe_token
from .rule_editing import rule_create, rule_update

__all__ = [
    "deliver",
    "digest_chunk_build",
    "digest_intro_save",
    "digest_preview",
    "digest_send",
    "digests_due",
    "evaluate",
    "house_rules_install",
    "messages_retry",
    "peer_nudge_send",
    "preferences_save",
    "proposals_approve",
    "proposals_skip",
    "release_due",
    "rule_create",
    "rule_preview",
    "rule_update",
    "unsubscribe",
    "unsubscribe_token",
]
