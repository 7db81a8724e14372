from django.urls import path

from wangge.testing.calling import views

urlpatterns = [
    path("rounds/<int:round_id>/plan/", views.plan, name="plan"),
    path("rounds/<int:round_id>/plan/build/", views.plan_build, name="plan_build"),
    path("rounds/<int:round_id>/plan/print/", views.plan_print, name="plan_print"),
    path("rounds/<int:round_id>/plan/notices/", views.plan_notices, name="plan_notices"),
    path("slots/<int:slot_id>/edit/", views.slot_edit, name="slot_edit"),
    path("slots/<int:slot_id>/notice/", views.slot_notice, name="slot_notice"),
    path("notices/<int:notice_id>/", views.notice, name="notice"),
    path("notices/<int:notice_id>/resend/", views.notice_resend, name="notice_resend"),
    path("outbox/", views.outbox, name="outbox"),
]
