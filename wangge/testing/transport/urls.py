from django.urls import path

from wangge.testing.results import views as views_results
from wangge.testing.transport import views as views_transport

urlpatterns = [
    # boxes and handovers
    path("rounds/<int:round_id>/boxes/", views_transport.box_list, name="boxes"),
    path("rounds/<int:round_id>/boxes/new/", views_transport.box_new, name="box_new"),
    path("boxes/<int:box_id>/", views_transport.box_detail, name="box"),
    path("boxes/<int:box_id>/add/", views_transport.box_tubes_add, name="box_tubes_add"),
    path("boxes/<int:box_id>/remove/", views_transport.box_tube_remove, name="box_tube_remove"),
    path("boxes/<int:box_id>/handover/", views_transport.box_handover, name="box_handover"),
    # the lab's queue
    path("lab/", views_transport.lab_queue, name="lab_queue"),
    path("boxes/<int:box_id>/receive/", views_transport.box_receive, name="box_receive"),
    # results
    path("rounds/<int:round_id>/results/", views_results.results_page, name="results"),
    path("rounds/<int:round_id>/results/apply/", views_results.results_apply, name="results_apply"),
    path("rounds/<int:round_id>/results/one/", views_results.result_one, name="result_one"),
    path("rounds/<int:round_id>/results/errors.xlsx", views_results.results_errors, name="results_errors"),
    path("results/template.xlsx", views_results.results_template, name="results_template"),
    path("rounds/<int:round_id>/results/conflicts/", views_results.conflicts, name="conflicts"),
    path("results/<int:report_id>/resolve/", views_results.report_resolve, name="report_resolve"),
    # re-tests and alerts
    path("rounds/<int:round_id>/retests/", views_results.retests, name="retests"),
    path("rounds/<int:round_id>/retests/export.xlsx", views_results.retests_export, name="retests_export"),
    path("alerts/", views_results.alerts, name="alerts"),
    path("alerts/<int:alert_id>/ack/", views_results.alert_ack, name="alert_ack"),
]
