from .kudos import KudosViewSet
from .points import LeaderboardViewSet, LedgerEntryViewSet

routes = [
    ("points", LedgerEntryViewSet, "ledgerentry"),
    ("leaderboards", LeaderboardViewSet, "leaderboard"),
    ("kudos", KudosViewSet, "kudos"),
]
urlpatterns: list = []
