from django.urls import include, path

app_name = "inspections"

urlpatterns = [
    path("", include("wangge.inspections.campaigns.urls")),
    path("", include("wangge.inspections.inspecting.urls")),
    path("", include("wangge.inspections.orders.urls")),
    path("", include("wangge.inspections.checklists.urls")),
    path("", include("wangge.inspections.disinfection.urls")),
]
