from django.urls import path

from wangge.gatherings.guests import views

urlpatterns = [
    path("<int:gathering_id>/guests/", views.import_guests, name="import_guests"),
    path("<int:gathering_id>/guests/screen/", views.screen_guests, name="screen_guests"),
]
