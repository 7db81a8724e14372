"""Routes of personal codes and of duplicates (namespace "registry", mounted at /registry/codes/)."""

from django.urls import path

from wangge.registry.codes import views

urlpatterns = [
    path("people/<int:person_id>/", views.person_code, name="person_code"),
    path("people/<int:person_id>/revoke/", views.code_revoke, name="code_revoke"),
    path("households/<int:household_id>/", views.household_codes, name="household_codes"),
    path("buildings/<int:building_id>/", views.building_codes, name="building_codes"),
    path("scan/", views.scan, name="scan"),
    path("resolve/", views.resolve, name="resolve"),
    path("duplicates/", views.duplicates, name="duplicates"),
    path("duplicates/refresh/", views.duplicates_refresh, name="duplicates_refresh"),
    path("merge/", views.merge, name="merge"),
]
