from django.urls import path

from wangge.gatherings.reports import views

urlpatterns = [
    path("", views.gathering_list, name="list"),
    path("new/", views.gathering_new, name="new"),
    path("week/", views.week, name="week"),
    path("after/", views.after_due, name="after_due"),
    path("<int:gathering_id>/", views.gathering_detail, name="detail"),
]
