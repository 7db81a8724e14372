from django.urls import path

from wangge.inspections.disinfection import views

urlpatterns = [
    path("disinfection/", views.plans, name="disinfection"),
    path("disinfection/<int:plan_id>/done", views.record, name="disinfection_done"),
    path("disinfection/new", views.plan_new, name="disinfection_new"),
    path("disinfection/<int:plan_id>/edit", views.plan_edit, name="disinfection_edit"),
    path("disinfection/<int:plan_id>/end", views.plan_end, name="disinfection_end"),
]
