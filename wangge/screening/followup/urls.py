from django.urls import path

from wangge.screening.followup import views

urlpatterns = [
    path("follow-up/", views.day, name="followup"),
    path("follow-up/overdue/", views.overdue, name="overdue"),
    path("measures/<int:measure_id>/checks/", views.measure_checks, name="measure_checks"),
    path("escalations/", views.escalations, name="escalations"),
    path("escalations/<int:escalation_id>/handle/", views.escalation_handle, name="escalation_handle"),
    path("services/", views.services, name="services"),
    path("measures/<int:measure_id>/services/new/", views.service_new, name="service_new"),
    path("services/<int:service_id>/assign/", views.service_assign, name="service_assign"),
    path("services/<int:service_id>/done/", views.service_done, name="service_done"),
    path("services/<int:service_id>/cancel/", views.service_cancel, name="service_cancel"),
]
