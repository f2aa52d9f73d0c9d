from .views import ApiTokenViewSet, AuditEntryViewSet, EventViewSet

routes = [
    ("events", EventViewSet, "event"),
    ("audit-entries", AuditEntryViewSet, "auditentry"),
    ("tokens", ApiTokenViewSet, "apitoken"),
]
urlpatterns: list = []
