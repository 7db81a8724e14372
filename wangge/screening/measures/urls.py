from django.urls import path

from wangge.screening.measures import views as v

urlpatterns = [
    path("measures/", v.measure_list, name="measures"),
    path("measures/<int:measure_id>/", v.measure_detail, name="measure"),
    path("measures/<int:measure_id>/decide/", v.measure_decide, name="measure_decide"),
    path("measures/<int:measure_id>/approve/", v.measure_approve, name="measure_approve"),
    path("measures/<int:measure_id>/reject/", v.measure_reject, name="measure_reject"),
    path("measures/<int:measure_id>/cancel/", v.measure_cancel, name="measure_cancel"),
    path("measures/<int:measure_id>/hand-over/", v.measure_hand_over, name="measure_hand_over"),
    path("measures/<int:measure_id>/hand-over/letter/", v.hand_over_letter, name="hand_over_letter"),
    path("measures/<int:measure_id>/release/", v.measure_release, name="measure_release"),
    path("measures/<int:measure_id>/notice/", v.release_notice, name="release_notice"),
    path("tests/<int:test_id>/result/", v.test_result, name="test_result"),
    path("people/<int:person_id>/measures/new/", v.measure_new, name="measure_new"),
    path("orders/", v.order_list, name="orders"),
    path("orders/new/", v.order_new, name="order_new"),
    path("orders/<int:order_id>/", v.order_detail, name="order"),
    path("orders/<int:order_id>/approve/", v.order_approve, name="order_approve"),
    path("orders/<int:order_id>/reject/", v.order_reject, name="order_reject"),
]
