"""Forms of the venue pages. Every reference to another record (grid, shop) is resolved through
the actor's scope, so a foreign id is simply not a valid choice."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from wangge.core.access import Scope
from wangge.org import selectors as org_selectors
from wangge.org.models import Level
from wangge.registry.models import Rental, RentalKind
from wangge.roster.forms import UNIT_FILTER_LIMIT, ScopedUnitField, unit_label
from wangge.venues import selectors
from wangge.venues.models import RiskLevel, Venue, VenueStatus

SHOP_CHOICE_LIMIT = 300


def _units(scope: Scope, *, grids_only: bool, empty_label) -> list[tuple[str, str]]:
    units = org_selectors.units(scope).only("id", "name", "depth", "path", "level")
    if grids_only:
        units = units.filter(level=Level.GRID)
    elif units.count() > UNIT_FILTER_LIMIT:
        units = units.exclude(level=Level.GRID)
    depth = scope.root.depth if scope.root is not None else 0
    return [("", empty_label)] + [(str(u.pk), unit_label(u, depth)) for u in units.order_by("path")[:2000]]


class VenueFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name or address")}),
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    risk = forms.ChoiceField(
        label=_("Risk level"), required=False, choices=[("", _("Any risk level")), *RiskLevel.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *VenueStatus.choices]
    )

    def __init__(self, data=None, *, scope: Scope, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["kind"].choices = [("", _("All kinds"))] + [
            (str(k.pk), k.name) for k in selectors.kinds()
        ]
        choices = _units(scope, grids_only=False, empty_label=_("All grids"))
        selected = str((data or {}).get("unit") or "").strip()
        if selected and selected not in {c[0] for c in choices} and selected.isdigit():
            unit = org_selectors.units(scope).filter(pk=selected).first()
            if unit is not None:
                choices.append((str(unit.pk), unit.name))
        self.fields["unit"] = ScopedUnitField(
            scope=scope, label=_("Grid or village"), required=False, widget=forms.Select(choices=choices)
        )

    def filters(self) -> dict:
        empty = {"q": "", "kind": "", "risk": "", "status": "", "unit": None}
        if not self.is_valid():
            return empty
        return {**empty, **self.cleaned_data}


class VenueForm(forms.ModelForm):
    """Create or change a venue; `grid` and `shop` are resolved in the scope."""

    class Meta:
        model = Venue
        fields = [
            "kind",
            "name",
            "address",
            "responsible_name",
            "responsible_phone",
            "enterprise_code",
            "staff_count",
            "risk_level",
            "note",
        ]
        widgets = {
            "note": forms.Textarea(attrs={"rows": 2}),
            "responsible_phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        }

    def __init__(self, *args, scope: Scope, creating: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope
        self.fields["kind"].queryset = selectors.kinds(active_only=creating)
        self.fields["name"].required = False
        self.fields["grid"] = ScopedUnitField(
            scope=scope,
            label=_("Grid"),
            required=False,
            widget=forms.Select(choices=_units(scope, grids_only=True, empty_label=_("Choose a grid"))),
        )
        if creating:
            shops = scope.filter(
                Rental.objects.filter(kind=RentalKind.SHOP, venue__isnull=True).order_by("path", "address")
            )[:SHOP_CHOICE_LIMIT]
            self.fields["shop"] = forms.ChoiceField(
                label=_("Street-facing shop of the registry"),
                required=False,
                help_text=_(
                    "A shop already in the registry becomes this venue: its grid, name and address are taken."
                ),
                choices=[("", _("Not a registry shop"))] + [(str(s.pk), str(s)) for s in shops],
            )
        if self.instance.pk:
            self.initial.setdefault("grid", self.instance.grid_id)

    def clean_shop(self):
        value = self.cleaned_data.get("shop")
        if not value:
            return None
        shop = self.scope.filter(Rental.objects.filter(kind=RentalKind.SHOP)).filter(pk=value).first()
        if shop is None:
            raise forms.ValidationError(_("Choose a shop of your area."))
        return shop

    def _post_clean(self):
        # The service validates and saves: the model's own checks are not run twice here.
        pass


class StatusForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)


class KindForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=60)
    name_en = forms.CharField(label=_("English name"), max_length=80, required=False)
    keeps_visitor_register = forms.BooleanField(label=_("Keeps a visitor register"), required=False)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32000, initial=100)
    active = forms.BooleanField(label=_("In use"), required=False, initial=True)
    staff_category = forms.ModelChoiceField(
        label=_("Staff's key-people category"), required=False, queryset=None
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from wangge.screening.models import Category

        self.fields["staff_category"].queryset = Category.objects.filter(is_active=True)
