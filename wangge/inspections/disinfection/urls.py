from django.urls import path

from wangge.inspections.disinfection import views

urlpatterns = [
    path("disinfection/", views.plans, name="disinfection"),
    path("disinfection/<int:plan_id>/done", views.record, name="disinfection_done"),
]
