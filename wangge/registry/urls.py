from django.urls import include, path

from wangge.registry import views_mygrid

app_name = "registry"
# Each part of the registry keeps its own routes; all live under the "registry" namespace.
urlpatterns = [
    path("my-grid/", views_mygrid.my_grid, name="my_grid"),
    path("", include("wangge.registry.urls_places")),
    path("codes/", include("wangge.registry.urls_codes")),
    path("rentals/", include("wangge.registry.urls_rentals")),
    path("imports/", include("wangge.registry.urls_imports")),
]
