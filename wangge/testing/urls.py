from django.urls import include, path

app_name = "testing"

# One module per part, so that each can be worked on alone.
urlpatterns = [
    path("", include("wangge.testing.urls_rounds")),
    path("", include("wangge.testing.urls_calling")),
    path("", include("wangge.testing.urls_table")),
    path("", include("wangge.testing.urls_transport")),
    path("", include("wangge.testing.urls_coverage")),
]
