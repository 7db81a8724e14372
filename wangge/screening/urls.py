from django.urls import include, path

app_name = "screening"

# One module per part, so that each can be worked on alone.
urlpatterns = [
    path("", include("wangge.screening.urls_overview")),
    path("", include("wangge.screening.urls_rules")),
    path("", include("wangge.screening.urls_intake")),
    path("", include("wangge.screening.urls_measures")),
    path("", include("wangge.screening.urls_followup")),
]
