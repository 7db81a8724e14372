"""Public pages of gatherings (no account): the family's report, its look-up, the printable advice."""

from django.urls import path

from wangge.gatherings.public import views

app_name = "gatherings_public"

urlpatterns = [
    path("report/", views.report, name="report"),
    path("status/", views.lookup, name="lookup"),
    path("advice/", views.advice, name="advice"),
]
