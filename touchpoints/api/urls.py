from .views import TouchpointViewSet

routes = [
    ("touchpoints", TouchpointViewSet, "touchpoint"),
]
urlpatterns: list = []
