from django.urls import path

from wangge.inspections.inspecting import views

urlpatterns = [
    path("inspections/<int:inspection_id>/", views.inspection, name="inspection"),
    path("inspections/<int:inspection_id>/inspect", views.inspect, name="inspect"),
    path("inspections/<int:inspection_id>/sign", views.sign, name="sign"),
    path("venues/<int:venue_id>/inspect", views.start, name="start"),
    path("orders/<int:rectification_id>/reinspect", views.reinspect, name="reinspect"),
    path("photos/<int:photo_id>", views.photo, name="photo"),
]
