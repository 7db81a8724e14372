"""Routes of imports and exports (namespace "registry", mounted at /registry/imports/)."""

from django.urls import path

from wangge.registry.imports import views

urlpatterns = [
    path("", views.import_list, name="import_list"),
    path("new/", views.import_new, name="import_new"),
    path("template/", views.import_template, name="import_template"),
    path("export/", views.export, name="export"),
    path("<int:job_id>/", views.import_detail, name="import_detail"),
    path("<int:job_id>/errors/", views.import_errors, name="import_errors"),
]
