from django.contrib.auth import views as auth_views

from django.http import HttpResponse

from wangge.core.access import public_view, scoped_view


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


login = public_view(LoginView.as_view())
logout = public_view(auth_views.LogoutView.as_view())


@scoped_view()
def tokens(request):
    return HttpResponse('TODO')


@scoped_view()
def user_list(request):
    return HttpResponse('TODO')
