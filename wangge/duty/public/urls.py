"""Public pages of duty (no account): the volunteer sign-up form."""

from django.urls import path

from wangge.duty.public import views

app_name = "duty_public"

urlpatterns = [
    path("volunteer/", views.signup, name="volunteer_signup"),
]
