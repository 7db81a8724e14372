"""The kernel: one scope, an explicit system actor, registries filled by the parts, masking."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from tests.factories import make_user
from wangge.audit import services as audit
from wangge.core import masking
from wangge.core.access import PUBLIC_ACTOR, SYSTEM, has_permission, scope_of
from wangge.core.menu import menu_entries
from wangge.core.paths import path_scoped_models
from wangge.core.permissions import catalogue, default_permissions, standard_roles
from wangge.org import services as org_services
from wangge.org.models import Level
from wangge.registry import services as registry_services
from wangge.roster import services as roster_services

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_none_is_refused_where_the_system_actor_is_allowed(world):
    # None used to mean "trusted system, skip every check" in org, roster and the registry.
    with pytest.raises((PermissionDenied, Http404)):
        org_services.create_unit(
            actor=None, parent=world.grid_a.parent, code="X1", name="X", level=Level.GRID
        )
    with pytest.raises((PermissionDenied, Http404)):
        roster_services.create_staff(actor=None, unit=world.grid_a, name="某人")
    with pytest.raises((PermissionDenied, Http404)):
        registry_services.create_building(actor=None, grid=world.grid_a, name="甲楼")
    unit = org_services.create_unit(
        actor=SYSTEM, parent=world.grid_a.parent, code="X1", name="新网格", level=Level.GRID
    )
    assert registry_services.create_building(actor=SYSTEM, grid=unit, name="甲楼").pk
    with pytest.raises(ValueError):
        audit.record(actor=None, action="create", obj=unit)


@pytest.mark.django_db
def test_scope_of_none_sees_nothing_and_the_system_sees_everything(world):
    assert scope_of(None).is_empty and not scope_of(None).covers(world.grid_a)
    assert not has_permission(None, "org.view")
    for actor in (SYSTEM, PUBLIC_ACTOR):
        assert scope_of(actor).covers(world.grid_a) and has_permission(actor, "org.view")
    worker = make_user("kernel_worker", world.grid_a, "grid_worker")
    assert scope_of(worker).covers(world.grid_a) and not scope_of(worker).covers(world.grid_b)
    with pytest.raises(Http404):
        scope_of(worker).require_path(world.grid_b.path)


def test_every_part_registers_itself_with_the_kernel():
    codes = set(catalogue())
    assert {
        "org.view",
        "roster.view",
        "audit.view",
        "registry.view",
        "testing.view",
        "screening.view",
    } <= codes
    assert {"accounts.manage", "accounts.manage_roles"} <= codes
    roles = {code: perms for code, _label, perms in standard_roles()}
    assert set(roles["district_admin"]) == codes
    assert "accounts.manage_roles" not in roles["office_leader"]
    assert set(default_permissions("lab")) == {"testing.view", "testing.results"}
    names = [e.url_name for e in menu_entries()]
    assert names[0] == "core:home" and "screening:measures" in names and "accounts:user_list" in names
    labels = {m._meta.label for m in path_scoped_models()}
    assert {"roster.StaffMember", "registry.Person", "testing.Due", "screening.Measure"} <= labels


def test_the_api_is_mounted_from_the_registries():
    from wangge.urls import api

    paths = api.get_openapi_schema()["paths"]
    assert any(p.startswith("/api/v1/screening/") for p in paths)
    assert any(p.startswith("/api/v1/auth/") for p in paths)


def test_masking_is_the_default_and_revealing_needs_the_permission(world):
    assert masking.mask_id("11010519491231002X") == "110105********002X"
    assert masking.mask_phone("13812345678") == "138****5678"
    value = masking.Masked(masking.PHONE, "13812345678")
    assert str(value) == "138****5678" and f"{value}" == "138****5678" and value.full == "13812345678"
    assert masking.shown(None, masking.ID, "11010519491231002X") == "110105********002X"
    assert masking.shown(SYSTEM, masking.ID, "11010519491231002X") == "11010519491231002X"
    assert masking.reveal_permission(masking.PHONE, "roster.staffmember") == "roster.view_contact"
    assert masking.reveal_permission(masking.PHONE, "registry.person") == "registry.view_phones"


@pytest.mark.parametrize(
    "number, masked",
    [
        ("E12345678", "E1*****78"),  # a passport: 110105-and-last-four would have shown all nine
        ("H1234567890", "H1*******90"),  # a Hong Kong and Macao permit
        ("123456789012345", "123456*****2345"),  # an old 15-digit identity card
        ("E1234567", "E1******"),
    ],
)
def test_a_masked_document_number_hides_its_middle_whatever_its_length(number, masked):
    assert masking.mask_id(number) == masked
    hidden = sum(c == "*" for c in masking.mask_id(number))
    assert hidden >= 5 and (len(number) >= 15 or hidden * 2 >= len(number))


def test_a_short_landline_is_masked_at_both_ends():
    assert masking.mask_phone("88886666") == "88****66"
    assert masking.mask_phone("02988886666") == "029****6666"


def _view_modules():
    for path in sorted((ROOT / "wangge").rglob("*.py")):
        name = path.name
        if name.startswith("views") or name.startswith("api") or path.parent.name.startswith("views"):
            yield path


def test_no_view_or_api_module_builds_a_path_prefix_filter_of_its_own():
    """Reads of jurisdiction data go through the kernel's scope (`Scope.filter` and friends)."""
    offenders = [
        str(path.relative_to(ROOT))
        for path in _view_modules()
        if "path__startswith" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []


def test_templates_never_print_a_raw_personal_number():
    """Phones and ID numbers reach a page only through the masking tags or a masked value."""
    import re

    # A raw value, or one whose first filter is not a masking one (|masked_id, |masked_phone).
    raw = re.compile(r"\{\{\s*[\w.]*\.(?!no_)\w*(phone|id_number)\s*(\}\}|\|(?!masked_))")
    offenders = [
        f"{path.relative_to(ROOT)}: {m.group(0)}"
        for path in sorted((ROOT / "wangge").rglob("*.html"))
        for m in raw.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_kernel_imports_no_domain_part():
    domain = {"org", "accounts", "roster", "registry", "testing", "screening", "demo"}
    offenders = []
    for path in sorted((ROOT / "wangge" / "core").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = {
            id(child)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING"
            for child in ast.walk(node)
        }
        offenders += [
            f"{path.name}: {node.module}"
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            and id(node) not in typing_only
            and node.module
            and node.module.split(".")[:2] in [["wangge", d] for d in domain]
        ]
    assert offenders == []


def test_the_layer_contract_refuses_a_lower_part_importing_a_higher_one(tmp_path):
    """A deliberately wrong import (org importing screening) makes the contract fail."""
    wrong = ROOT / "wangge" / "org" / "_layer_probe.py"
    wrong.write_text("from wangge.screening import models  # noqa\n")
    try:
        result = subprocess.run(
            [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        wrong.unlink()
    assert result.returncode != 0
    assert "wangge.org._layer_probe -> wangge.screening" in result.stdout


def test_the_private_name_check_refuses_a_private_import(tmp_path):
    wrong = ROOT / "wangge" / "screening" / "probe_private.py"
    wrong.write_text("from wangge.screening.measures.services import _end_early  # noqa\n")
    try:
        result = subprocess.run(
            [sys.executable, "scripts/check_private_imports.py"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        wrong.unlink()
    assert result.returncode == 1 and "_end_early" in result.stdout


def _models_in(annotation, seen):
    import typing

    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation not in seen:
            seen.add(annotation)
            for field in annotation.model_fields.values():
                _models_in(field.annotation, seen)
        return
    for arg in typing.get_args(annotation):
        _models_in(arg, seen)


def test_every_api_answer_with_a_personal_number_masks_it_by_role():
    """An output schema with a phone or an ID number masks it by default (MaskedSchema)."""
    from wangge.core.schemas import MaskedSchema
    from wangge.urls import api

    seen: set = set()
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for model in operation.response_models.values():
                    _models_in(model, seen)
    assert len(seen) > 50
    offenders = []
    for model in seen:
        personal = [
            name for name in model.model_fields if name.endswith("phone") or name.endswith("id_number")
        ]
        if not personal:
            continue
        declared = getattr(model, "masked_fields", {}) if issubclass(model, MaskedSchema) else {}
        offenders += [
            f"{model.__module__}.{model.__name__}.{name}" for name in personal if name not in declared
        ]
    assert offenders == []


def test_a_group_of_boxes_keeps_its_size_and_each_box_its_class():
    """Bootstrap's box class goes on each box, never on the group around them (it shrank the
    whole group to one box's size: the public volunteer form's skills were unreadable on a
    phone); each choice is a form-check, and a single box keeps its own layout."""
    import re

    from django import forms as django_forms

    class Choice(django_forms.Form):
        skills = django_forms.MultipleChoiceField(
            choices=[("a", "驾驶"), ("b", "医护")], widget=django_forms.CheckboxSelectMultiple
        )
        when = django_forms.ChoiceField(
            choices=[("x", "周末"), ("y", "随时")], widget=django_forms.RadioSelect
        )
        member = django_forms.BooleanField(required=False)

    html = str(Choice())
    for name in ("skills", "when"):
        group = re.search(rf'<div id="id_{name}"[^>]*>', html).group(0)
        assert "form-check-input" not in group and 'class="check-group"' in group
    assert html.count('<div class="form-check">') == 5  # four choices and the single box
    assert len(re.findall(r'<input type="(?:checkbox|radio)"[^>]*class="form-check-input', html)) == 5
