from django.urls import path

from wangge.venues.own import views as own
from wangge.venues.places import views as places
from wangge.venues.records import views as records
from wangge.venues.transfer import views as transfer

app_name = "venues"

urlpatterns = [
    path("", places.venue_list, name="venue_list"),
    path("new/", places.venue_create, name="venue_create"),
    path("export/", transfer.venue_export, name="export"),
    path("import/", transfer.venue_import, name="import"),
    path("kinds/", places.kind_list, name="kinds"),
    path("kinds/new/", places.kind_create, name="kind_create"),
    path("kinds/<int:kind_id>/", places.kind_edit, name="kind_edit"),
    path("mine/", own.own_home, name="own_home"),
    path("mine/disinfection/new/", own.own_disinfection_add, name="own_disinfection_add"),
    path("mine/visitors/new/", own.own_visitor_add, name="own_visitor_add"),
    path("mine/staff/new/", own.own_staff_add, name="own_staff_add"),
    path("mine/password/", own.own_password, name="own_password"),
    path("mine/staff/<int:venue_staff_id>/end/", own.own_staff_end, name="own_staff_end"),
    path("<int:venue_id>/", places.venue_detail, name="venue_detail"),
    path("<int:venue_id>/edit/", places.venue_edit, name="venue_edit"),
    path("<int:venue_id>/status/", places.venue_status, name="venue_status"),
    path("<int:venue_id>/account/new/", own.account_create, name="account_create"),
    path("<int:venue_id>/disinfection/new/", records.disinfection_add, name="disinfection_add"),
    path("<int:venue_id>/visitors/new/", records.visitor_add, name="visitor_add"),
    path("<int:venue_id>/staff/new/", records.staff_add, name="staff_add"),
    path("<int:venue_id>/staff/<int:venue_staff_id>/end/", records.staff_end, name="staff_end"),
]
