"""Portal URLs of the peer review app (namespace "peer_review", under /peer-review/):
learner pages in views/learner.py, facilitator and expert pages in views/staff.py."""

from .views import learner, staff

app_name = "peer_review"

urlpatterns = [*learner.urlpatterns, *staff.urlpatterns]
