from django.urls import path

from wangge.inspections.orders import own_views, views

urlpatterns = [
    path("orders/", views.orders, name="orders"),
    path("orders/<int:rectification_id>/", views.order, name="order"),
    path("orders/<int:rectification_id>/notice", views.notice, name="notice"),
    path("orders/<int:rectification_id>/acknowledge", views.acknowledge, name="acknowledge"),
    # A venue's own account: its venue's orders only.
    path("mine/orders/", own_views.mine_orders, name="mine_orders"),
    path("mine/orders/<int:rectification_id>/", own_views.mine_order, name="mine_order"),
    path("mine/orders/<int:rectification_id>/notice", own_views.mine_notice, name="mine_notice"),
    path(
        "mine/orders/<int:rectification_id>/acknowledge", own_views.mine_acknowledge, name="mine_acknowledge"
    ),
]
