"""At the sampling table: the registrar's phone page, and the tubes of a site."""

from django.urls import path

from wangge.testing.checkin import views

urlpatterns = [
    path("table/", views.table_pick, name="table_pick"),
    path("sites/<int:site_id>/table/", views.table, name="table"),
    path("sites/<int:site_id>/tubes/", views.tube_list, name="tubes"),
    path("tubes/<int:tube_id>/", views.tube_detail, name="tube"),
    path("tubes/<int:tube_id>/seal/", views.tube_seal, name="tube_seal"),
    path("samples/<int:sample_id>/remove/", views.sample_remove, name="sample_remove"),
]
