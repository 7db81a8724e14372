"""Routes of imports and exports (namespace "registry", mounted at /registry/imports/)."""

from django.urls import path

from wangge.registry.imports import views, views_held

urlpatterns = [
    path("", views.import_list, name="import_list"),
    path("new/", views.import_new, name="import_new"),
    path("template/", views.import_template, name="import_template"),
    path("export/", views.export, name="export"),
    path("<int:job_id>/", views.import_detail, name="import_detail"),
    path("<int:job_id>/errors/", views.import_errors, name="import_errors"),
    path("held/", views_held.held_index, name="held_index"),
    path("held/<int:village_id>/", views_held.held_rows, name="held_rows"),
    path("held/<int:village_id>/rules/", views_held.address_rules, name="address_rules"),
]
