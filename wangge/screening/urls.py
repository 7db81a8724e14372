from django.urls import include, path

app_name = "screening"

# One module per part, so that each can be worked on alone.
urlpatterns = [
    path("", include("wangge.screening.overview.urls")),
    path("", include("wangge.screening.rules.urls")),
    path("", include("wangge.screening.intake.urls")),
    path("", include("wangge.screening.measures.urls")),
    path("", include("wangge.screening.followup.urls")),
]
