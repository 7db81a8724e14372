from django.urls import path

from wangge.gatherings.rules import views

urlpatterns = [path("rules/", views.rule_list, name="rules")]
