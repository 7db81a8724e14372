from django.http import HttpResponse

from wangge.core.access import scoped_view


@scoped_view()
def home(request):
    return HttpResponse('TODO')

