from django.urls import path

from wangge.gatherings.rules import kind_views, views

urlpatterns = [
    path("rules/", views.rule_list, name="rules"),
    path("rules/new/", views.rule_new, name="rule_new"),
    path("kinds/", kind_views.kind_list, name="kinds"),
    path("kinds/new/", kind_views.kind_new, name="kind_new"),
    path("kinds/<int:kind_id>/edit/", kind_views.kind_edit, name="kind_edit"),
    path("kinds/<int:kind_id>/retire/", kind_views.kind_retire, name="kind_retire"),
    path("kinds/<int:kind_id>/restore/", kind_views.kind_restore, name="kind_restore"),
]
