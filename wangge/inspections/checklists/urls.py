from django.urls import path

from wangge.inspections.checklists import views

urlpatterns = [
    path("checklists/", views.checklists, name="checklists"),
    path("checklists/kind/", views.checklist, name="checklist"),
    path("checklists/kind/edit", views.checklist_edit, name="checklist_edit"),
]
