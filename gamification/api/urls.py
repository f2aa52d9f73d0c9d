from .badges import BadgeAwardViewSet, BadgeViewSet
from .kudos import KudosViewSet
from .points import LeaderboardViewSet, LedgerEntryViewSet

routes = [
    ("points", LedgerEntryViewSet, "ledgerentry"),
    ("leaderboards", LeaderboardViewSet, "leaderboard"),
    ("kudos", KudosViewSet, "kudos"),
    ("badges", BadgeViewSet, "badge"),
    ("badge-awards", BadgeAwardViewSet, "badgeaward"),
]
urlpatterns: list = []
