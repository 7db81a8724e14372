from django.urls import path

from wangge.roster import views_tree as views

app_name = "org"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("leaderless/", views.leaderless, name="leaderless"),
    path("<int:unit_id>/", views.unit_detail, name="unit_detail"),
    path("<int:unit_id>/children/", views.children, name="children"),
    path("<int:unit_id>/add/", views.unit_create, name="unit_create"),
    path("<int:unit_id>/edit/", views.unit_edit, name="unit_edit"),
    path("<int:unit_id>/move/", views.unit_move, name="unit_move"),
    path("<int:unit_id>/close/", views.unit_close, name="unit_close"),
    path("<int:unit_id>/reopen/", views.unit_reopen, name="unit_reopen"),
    path("<int:unit_id>/assign/", views.assign, name="assign"),
    path("assignments/<int:assignment_id>/end/", views.assignment_end, name="assignment_end"),
]
