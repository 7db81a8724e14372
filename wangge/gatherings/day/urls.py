from django.urls import path

from wangge.gatherings.day import views

urlpatterns = [
    path("<int:gathering_id>/day/", views.day_page, name="day"),
    path("<int:gathering_id>/after/", views.after_record, name="after"),
    path("checks/<int:check_id>/photo/", views.check_photo, name="check_photo"),
]
