"""The events points are about: the verbs a rule may reward, as HR admins pick
them in admin, and the verbs that take points back. Constants only, so models can
offer them as choices."""

from discussions.events import DiscussionVerb
from peer_review.events import PeerReviewVerb

from .events import GamificationVerb

# Verbs a rule may give points for, as HR admins see them in admin.
EARNING_VERBS: dict[str, str] = {
    PeerReviewVerb.REVIEW_SUBMITTED: "A peer review was submitted",
    PeerReviewVerb.USEFULNESS_RATED: "An author rated a review's usefulness",
    PeerReviewVerb.CALIBRATION_COMPLETED: "A learner finished calibrating",
    DiscussionVerb.POST_CREATED: "A post in a discussion",
    DiscussionVerb.REPLY_CREATED: "A reply to a post",
    DiscussionVerb.POST_ENDORSED: "A post was endorsed",
    DiscussionVerb.TOP_TAKE_SELECTED: "A post was picked as a Top Take",
    DiscussionVerb.MICROTASK_COMPLETED: "A micro-task was completed",
    DiscussionVerb.SQUAD_MILESTONE_REACHED: "A squad delivered every role of a prompt",
    GamificationVerb.KUDOS_GIVEN: "A learner thanked a peer (kudos)",
}

# Content gone: every entry its subject earned is reversed. Back again: re-granted.
REMOVING_VERBS = {DiscussionVerb.POST_HIDDEN, DiscussionVerb.POST_DELETED}
RESTORING_VERBS = {DiscussionVerb.POST_RESTORED}
# An endorsement taken back reverses what that endorsement earned.
WITHDRAWN_ENDORSEMENT = DiscussionVerb.POST_UNENDORSED

# A revoked badge: the consumer replays it when the ledger and awards are rebuilt.
BADGE_REVOCATION = GamificationVerb.BADGE_REVOKED

CONSUMED_VERBS = (frozenset(EARNING_VERBS) | REMOVING_VERBS | RESTORING_VERBS
                  | {WITHDRAWN_ENDORSEMENT, BADGE_REVOCATION})

