from django.urls import path

from wangge.screening.intake import views

urlpatterns = [
    path("records/", views.records, name="records"),
    path("records/new/", views.record_new, name="record_new"),
    path("records/<int:record_id>/", views.record_detail, name="record_detail"),
    path("self-reports/", views.self_reports, name="self_reports"),
    path("self-reports/<int:self_report_id>/place/", views.self_report_place, name="self_report_place"),
    path("imports/", views.import_list, name="imports"),
    path("imports/new/", views.import_new, name="import_new"),
    path("imports/confirm/", views.import_confirm, name="import_confirm"),
    path("imports/template/", views.import_template, name="import_template"),
    path("imports/<int:batch_id>/", views.import_detail, name="import_detail"),
    path("imports/<int:batch_id>/errors/", views.import_errors, name="import_errors"),
]
