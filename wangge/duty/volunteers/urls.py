from django.urls import path

from wangge.duty.volunteers import views as v

urlpatterns = [
    path("volunteers/", v.volunteer_list, name="volunteers"),
    path("volunteers/<int:volunteer_id>/", v.volunteer_detail, name="volunteer"),
    path("volunteers/<int:volunteer_id>/vet/", v.volunteer_vet, name="volunteer_vet"),
    path("volunteers/<int:volunteer_id>/tasks/", v.volunteer_task_new, name="volunteer_task_new"),
    path("volunteers/<int:volunteer_id>/hours/", v.volunteer_hours, name="volunteer_hours"),
    path("tasks/<int:task_id>/sign/", v.task_sign, name="task_sign"),
]
