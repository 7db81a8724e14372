from django.urls import include, path

app_name = "duty"

# One module per package, so that each can be worked on alone.
urlpatterns = [
    path("", include("wangge.duty.checkpoints.urls")),
    path("", include("wangge.duty.shifts.urls")),
    path("", include("wangge.duty.entries.urls")),
    path("", include("wangge.duty.volunteers.urls")),
]
