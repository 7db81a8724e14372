"""Coverage: live counts per level, a grid's floors and people still to be sampled, charts,
the untested list and its export, the manager's recount."""

from django.urls import path

from wangge.testing.coverage import views as v

urlpatterns = [
    path("rounds/<int:round_id>/coverage/", v.coverage_page, name="coverage"),
    path("rounds/<int:round_id>/coverage/grid/<int:unit_id>/", v.coverage_grid, name="coverage_grid"),
    path("rounds/<int:round_id>/coverage/recount/", v.coverage_recount, name="coverage_recount"),
    path("rounds/<int:round_id>/progress/", v.progress_page, name="progress"),
    path("rounds/<int:round_id>/untested/", v.untested, name="untested"),
    path("rounds/<int:round_id>/untested/export/", v.untested_export, name="untested_export"),
]
