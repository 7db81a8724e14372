from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from wangge.accounts import selectors
from wangge.accounts.models import Role
from wangge.core.permissions import catalogue


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("What is it for?"),
        max_length=100,
        initial="API",
        help_text=_("A name to recognise it by, e.g. the script or device that uses it."),
    )


class RoleChoiceField(forms.ModelMultipleChoiceField):
    def __init__(self, *args, actor_permissions: frozenset[str] = frozenset(), **kwargs):
        self.actor_permissions = actor_permissions
        super().__init__(*args, **kwargs)

    def label_from_instance(self, role: Role) -> str:
        label = gettext(role.name)
        if not set(role.clean_permissions()) <= self.actor_permissions:
            label += " " + gettext("(has rights you do not hold)")
        return label


class AccountForm(forms.Form):
    """Create or edit an account. The jurisdiction is an id the view resolves through the
    actor's scope, so a unit outside it answers 404 like a missing one."""

    username = forms.CharField(label=_("Username"), max_length=150)
    display_name = forms.CharField(label=_("Display name"), max_length=100, required=False)
    jurisdiction = forms.IntegerField(
        label=_("Jurisdiction"),
        widget=forms.Select,
        help_text=_("The unit whose subtree this account may see."),
    )
    roles = RoleChoiceField(
        label=_("Roles"), queryset=Role.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, actor, unit_choices: list[tuple[int, str]], editing=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].widget.choices = [("", "---------"), *unit_choices]
        roles = self.fields["roles"]
        roles.queryset = selectors.roles()
        roles.actor_permissions = actor.permission_codes()
        if editing is None:
            del self.fields["is_active"]
            self.fields["password1"].required = True
            self.fields["password2"].required = True
        else:
            del self.fields["username"]
            self.fields["password1"].label = _("New password")
            self.fields["password1"].help_text = _("Leave empty to keep the current password.")
            if editing.pk == actor.pk:
                # Nobody changes their own roles or deactivates themselves.
                del self.fields["roles"]
                del self.fields["is_active"]

    def clean(self):
        data = super().clean()
        if data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data


class RoleForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=50)
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    permissions = forms.MultipleChoiceField(
        label=_("Permissions"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        choices=lambda: [(code, label) for code, label in catalogue().items()],
    )
