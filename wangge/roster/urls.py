from django.urls import path
from wangge.roster import views

app_name = 'roster'
urlpatterns = [
    path("", views.staff_list, name="staff_list"),
    path("groups/", views.group_list, name="group_list"),
]
