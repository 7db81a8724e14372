from django.urls import include, path

from wangge.registry.places import views_mygrid

app_name = "registry"
# Each part of the registry keeps its own routes; all live under the "registry" namespace.
urlpatterns = [
    path("my-grid/", views_mygrid.my_grid, name="my_grid"),
    path("", include("wangge.registry.places.urls")),
    path("codes/", include("wangge.registry.codes.urls")),
    path("rentals/", include("wangge.registry.rentals.urls")),
    path("imports/", include("wangge.registry.imports.urls")),
]
