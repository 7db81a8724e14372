"""Routes of places and people (namespace "registry", mounted at /registry/)."""

from django.urls import path

from wangge.registry.places import views

urlpatterns = [
    path("search/", views.search, name="search"),
    path("people/", views.people, name="people"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/<int:person_id>/", views.person_detail, name="person_detail"),
    path("people/<int:person_id>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:person_id>/transfer/", views.person_transfer, name="person_transfer"),
    path("people/<int:person_id>/depart/", views.person_depart, name="person_depart"),
    path("buildings/", views.buildings, name="buildings"),
    path("buildings/new/", views.building_create, name="building_create"),
    path("buildings/<int:building_id>/", views.building_detail, name="building_detail"),
    path("buildings/<int:building_id>/move/", views.building_move, name="building_move"),
    path("buildings/<int:building_id>/households/new/", views.household_create, name="household_create"),
    path("households/<int:household_id>/", views.household_detail, name="household_detail"),
]
