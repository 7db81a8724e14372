from django.urls import path

from wangge.roster import views

app_name = "roster"
urlpatterns = [
    path("", views.staff_list, name="staff_list"),
    path("staff/new/", views.staff_create, name="staff_create"),
    path("staff/<int:staff_id>/", views.staff_detail, name="staff_detail"),
    path("staff/<int:staff_id>/edit/", views.staff_edit, name="staff_edit"),
    path("staff/<int:staff_id>/deactivate/", views.staff_deactivate, name="staff_deactivate"),
    path("staff/<int:staff_id>/reactivate/", views.staff_reactivate, name="staff_reactivate"),
    path("staff/<int:staff_id>/assign/", views.assign, name="assign"),
    path("groups/", views.group_list, name="group_list"),
    path("groups/new/", views.group_create, name="group_create"),
    path("groups/<int:group_id>/", views.group_detail, name="group_detail"),
    path("groups/<int:group_id>/members/add/", views.group_member_add, name="group_member_add"),
    path(
        "groups/<int:group_id>/members/<int:member_id>/remove/",
        views.group_member_remove,
        name="group_member_remove",
    ),
    path(
        "groups/<int:group_id>/members/<int:member_id>/lead/",
        views.group_member_lead,
        name="group_member_lead",
    ),
    path("departments/", views.department_list, name="department_list"),
    path("departments/new/", views.department_create, name="department_create"),
]
