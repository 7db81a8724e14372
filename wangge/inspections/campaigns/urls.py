from django.urls import path

from wangge.inspections.campaigns import views

urlpatterns = [
    path("", views.campaigns, name="campaigns"),
    path("campaigns/new", views.campaign_new, name="campaign_new"),
    path("campaigns/<int:campaign_id>/", views.campaign, name="campaign"),
    path("campaigns/<int:campaign_id>/team", views.campaign_team, name="campaign_team"),
    path("due/", views.due, name="due"),
]
