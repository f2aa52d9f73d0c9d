"""Event consumers of the discussions app."""

from django.urls import reverse

from core.events import consumer
from core.models import Notification

from .events import DiscussionVerb


@consumer("discussions.mention_notifications",
          verbs=[DiscussionVerb.POST_CREATED, DiscussionVerb.REPLY_CREATED, DiscussionVerb.POST_EDITED])
def notify_mentioned_members(event) -> None:
    """An in-app notification for each member @mentioned in a post."""
    mentioned = event.payload.get("mentioned_user_ids") or []
    if not mentioned:
        return
    author = event.actor.display_name if event.actor else "Someone"
    thread_url = reverse("discussions:thread", args=[event.payload["thread_id"]])
    url = f"{thread_url}#post-{event.payload['post_id']}"
    Notification.objects.bulk_create(
        [Notification(user_id=user_id, organization_id=event.organization_id, kind="mention",
                      title=f"{author} mentioned you", url=url, source_event=event)
         for user_id in mentioned],
        ignore_conflicts=True,  # the unique (user, event, kind) key makes a retry harmless
    )
