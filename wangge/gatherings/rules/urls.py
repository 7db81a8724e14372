from django.urls import path

from wangge.gatherings.rules import views

urlpatterns = [
    path("rules/", views.rule_list, name="rules"),
    path("rules/new/", views.rule_new, name="rule_new"),
]
