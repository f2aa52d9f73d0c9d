from django.urls import path

from .views.kudos import kudos_new

urlpatterns = [path("kudos/new/", kudos_new, name="kudos_new")]
