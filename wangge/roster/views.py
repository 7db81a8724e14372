from django.http import HttpResponse

from wangge.core.access import scoped_view


@scoped_view()
def staff_list(request):
    return HttpResponse('TODO')


@scoped_view()
def group_list(request):
    return HttpResponse('TODO')

