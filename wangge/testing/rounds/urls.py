from django.urls import path

from wangge.testing.rounds import views as v
from wangge.testing.rounds import views_sites as s

urlpatterns = [
    path("", v.round_list, name="rounds"),
    path("rounds/new/", v.round_new, name="round_new"),
    path("rounds/<int:round_id>/", v.round_detail, name="round"),
    path("rounds/<int:round_id>/edit/", v.round_edit, name="round_edit"),
    path("rounds/<int:round_id>/status/", v.round_status, name="round_status"),
    path("rounds/<int:round_id>/population/", v.round_population, name="round_population"),
    path("rounds/<int:round_id>/areas/", v.round_areas, name="round_areas"),
    path("rounds/<int:round_id>/groups/", v.round_groups, name="round_groups"),
    path("rounds/<int:round_id>/people/", v.due_list, name="dues"),
    path("rounds/<int:round_id>/home-sampling/", v.home_sampling, name="home_sampling"),
    path("due/<int:due_id>/exempt/", v.due_exempt, name="due_exempt"),
    path("due/<int:due_id>/unexempt/", v.due_unexempt, name="due_unexempt"),
    path("due/<int:due_id>/home/", v.due_home, name="due_home"),
    path("rounds/<int:round_id>/sites/", s.site_list, name="sites"),
    path("rounds/<int:round_id>/sites/new/", s.site_new, name="site_new"),
    path("sites/<int:site_id>/", s.site_detail, name="site"),
    path("sites/<int:site_id>/edit/", s.site_edit, name="site_edit"),
    path("sites/<int:site_id>/staff/new/", s.site_staff_new, name="site_staff_new"),
    path("sites/<int:site_id>/check/<int:item_id>/", s.site_check, name="site_check"),
    path("site-staff/<int:site_staff_id>/remove/", s.site_staff_remove, name="site_staff_remove"),
    path("checklists/", v.checklists, name="checklists"),
    path("checklists/new/", v.checklist_item_new, name="checklist_item_new"),
    path("checklists/<int:item_id>/edit/", v.checklist_item_edit, name="checklist_item_edit"),
]
