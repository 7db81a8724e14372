"""Public pages of screening (no account): the returnee's self-report form and a person's own
measure looked up with their personal code. Rate-limited; they show nothing of anyone else."""

from django.urls import path  # noqa: F401

app_name = "public"

urlpatterns: list = []
