"""The product's URLs plus one trivial view, served through the same middleware."""

from django.http import HttpResponse
from django.urls import include, path

TRIVIAL_PAGE = "<!doctype html><html><head><title>Peerloop</title></head><body><p>ok</p></body></html>"


def trivial(request):
    return HttpResponse(TRIVIAL_PAGE)


urlpatterns = [
    path("bench/trivial/", trivial),
    path("", include("config.urls")),
]
