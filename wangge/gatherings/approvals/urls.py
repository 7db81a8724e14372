from django.urls import path

from wangge.gatherings.approvals import views

urlpatterns = [
    path("<int:gathering_id>/decide/", views.decide, name="decide"),
]
