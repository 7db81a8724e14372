from django.urls import path

from wangge.duty.shifts import views as v

urlpatterns = [
    path("gaps/", v.gaps, name="gaps"),
    path("calendar/", v.calendar, name="calendar"),
    path("shifts/<int:shift_id>/assign/", v.shift_assign, name="shift_assign"),
    path("duties/<int:duty_id>/remove/", v.duty_remove, name="duty_remove"),
    path("duties/<int:duty_id>/sign/", v.duty_sign, name="duty_sign"),
]
