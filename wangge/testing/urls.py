from django.urls import include, path

app_name = "testing"

# One module per part, so that each can be worked on alone.
urlpatterns = [
    path("", include("wangge.testing.rounds.urls")),
    path("", include("wangge.testing.calling.urls")),
    path("", include("wangge.testing.checkin.urls")),
    path("", include("wangge.testing.transport.urls")),
    path("", include("wangge.testing.coverage.urls")),
]
