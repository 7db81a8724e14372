from django.urls import path

from wangge.screening.overview import views as views_overview

urlpatterns = [
    path("", views_overview.overview_page, name="overview"),
]
