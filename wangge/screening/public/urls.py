"""Public pages of screening (no account): the returnee's self-report form and a person's own
measure looked up with their personal code. Rate-limited; they show nothing of anyone else."""

from django.urls import path

from wangge.screening.public import views_lookup as lookup
from wangge.screening.public import views_report as report

app_name = "public"

urlpatterns = [
    path("my-measure/", lookup.my_measure, name="my_measure"),
    path("report/", report.self_report, name="self_report"),
]
