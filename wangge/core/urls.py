from django.urls import path

from wangge.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    # At the root, so that the service worker's scope covers every page.
    path("sw.js", views.service_worker, name="service_worker"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("offline/", views.offline_page, name="offline"),
]
