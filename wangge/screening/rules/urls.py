from django.urls import path

from wangge.screening.rules import views as v

urlpatterns = [
    path("categories/", v.category_list, name="categories"),
    path("categories/new/", v.category_create, name="category_create"),
    path("categories/candidates/", v.category_candidates, name="category_candidates"),
    path("categories/<int:category_id>/edit/", v.category_edit, name="category_edit"),
    path("risk-areas/", v.risk_area_list, name="risk_areas"),
    path("risk-areas/new/", v.risk_area_create, name="risk_area_create"),
    path("risk-areas/import/", v.risk_area_import, name="risk_area_import"),
    path("risk-areas/template.xlsx", v.risk_area_template, name="risk_area_template"),
    path("risk-areas/<int:risk_area_id>/edit/", v.risk_area_edit, name="risk_area_edit"),
    path("risk-areas/<int:risk_area_id>/end/", v.risk_area_end, name="risk_area_end"),
    path("rules/", v.rule_list, name="rules"),
    path("rules/new/", v.rule_create, name="rule_create"),
    path("rules/<int:policy_id>/end/", v.rule_end, name="rule_end"),
]
