from django.urls import path

from wangge.inspections.orders import views

urlpatterns = [
    path("orders/", views.orders, name="orders"),
    path("orders/<int:order_id>/", views.order, name="order"),
    path("orders/<int:order_id>/notice", views.notice, name="notice"),
    path("orders/<int:order_id>/acknowledge", views.acknowledge, name="acknowledge"),
]
