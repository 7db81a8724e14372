from django.urls import path

from wangge.inspections.orders import views

urlpatterns = [
    path("orders/", views.orders, name="orders"),
    path("orders/<int:rectification_id>/", views.order, name="order"),
    path("orders/<int:rectification_id>/notice", views.notice, name="notice"),
    path("orders/<int:rectification_id>/acknowledge", views.acknowledge, name="acknowledge"),
]
