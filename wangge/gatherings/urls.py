from django.urls import include, path

app_name = "gatherings"

# One module per feature package.
urlpatterns = [
    path("", include("wangge.gatherings.reports.urls")),
    path("", include("wangge.gatherings.rules.urls")),
    path("", include("wangge.gatherings.approvals.urls")),
    path("", include("wangge.gatherings.guests.urls")),
    path("", include("wangge.gatherings.day.urls")),
]
