"""Rentals and shops, tenants, pledges and placards, visits and party-member links.
Mounted at /registry/rentals/ in the "registry" namespace."""

from django.urls import path

from wangge.registry.rentals import views

urlpatterns = [
    path("", views.rental_list, name="rental_list"),
    path("new/", views.rental_create, name="rental_create"),
    path("<int:rental_id>/", views.rental_detail, name="rental_detail"),
    path("<int:rental_id>/edit/", views.rental_edit, name="rental_edit"),
    path("<int:rental_id>/pledge/", views.rental_pledge, name="rental_pledge"),
    path("<int:rental_id>/pledge/file/", views.pledge_file, name="pledge_file"),
    path("<int:rental_id>/placards/", views.rental_placards, name="rental_placards"),
    path("<int:rental_id>/tenants/add/", views.tenant_add, name="tenant_add"),
    path("tenancies/<int:tenancy_id>/end/", views.tenancy_end, name="tenancy_end"),
    path("visits/new/", views.visit_create, name="visit_create"),
    path("visits/done/", views.visit_done, name="visit_done"),
    path("visits/unvisited/", views.unvisited, name="unvisited"),
    path("visits/follow-ups/", views.follow_ups, name="follow_ups"),
    path("visits/<int:visit_id>/follow-up-done/", views.follow_up_done, name="follow_up_done"),
    path("party-links/", views.party_links, name="party_links"),
    path("party-links/member/", views.party_member_households, name="party_member_households"),
    path("party-links/new/", views.link_create, name="link_create"),
    path("party-links/<int:link_id>/end/", views.link_end, name="link_end"),
    path("rules/", views.policy_list, name="policy_list"),
    path("rules/new/", views.policy_create, name="policy_create"),
]
