from django.urls import path

from wangge.screening import views_overview

urlpatterns = [
    path("", views_overview.overview_page, name="overview"),
]
