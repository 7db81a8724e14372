"""A deliberately leaky page, used only to prove that the scoping walk catches leaks."""

from django.http import HttpResponse
from django.urls import path

from wangge.core.access import scoped_view
from wangge.roster.models import StaffMember


@scoped_view()
def leaky_detail(request, staff_id):
    staff = StaffMember.objects.get(pk=staff_id)  # unscoped on purpose
    if request.method == "POST":
        staff.name = "HOSTILE"
        staff.save()
    return HttpResponse(staff.name)


urlpatterns = [path("leaky/<int:staff_id>/", leaky_detail)]
