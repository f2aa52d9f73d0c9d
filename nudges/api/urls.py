from django.urls import path

from .digests import DigestViewSet
from .messages import MessageViewSet
from .peer import PeerReminderViewSet
from .preferences import PreferencesView
from .rules import NudgeRuleViewSet

routes = [
    ("nudge-rules", NudgeRuleViewSet, "nudgerule"),
    ("nudge-messages", MessageViewSet, "nudgemessage"),
    ("peer-reminders", PeerReminderViewSet, "peerreminder"),
    ("digests", DigestViewSet, "digest"),
]
urlpatterns = [
    path("nudge-preferences/", PreferencesView.as_view(), name="nudge-preferences"),
]
