from django.urls import path

from wangge.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.event_list, name="event_list"),
    path("<int:event_id>/", views.event_detail, name="event_detail"),
    path("reveal/", views.reveal, name="reveal"),
    path("call/", views.call, name="call"),
]
