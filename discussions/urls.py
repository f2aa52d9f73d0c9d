"""Portal URLs of the discussions app (namespace "discussions"): learner pages
in views/learner.py, facilitator pages in views/facilitator.py."""

from .views import facilitator, learner

app_name = "discussions"

urlpatterns = [*learner.urlpatterns, *facilitator.urlpatterns]
