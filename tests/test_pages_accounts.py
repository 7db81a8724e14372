"""Account pages: own API tokens, and accounts managed within one's jurisdiction."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import make_user
from wangge.accounts.models import ApiToken, Role, User
from wangge.accounts.permissions import ACCOUNTS_MANAGE
from wangge.audit.models import AuditEvent
from wangge.org.permissions import ORG_VIEW


def login(client, user):
    client.force_login(user)
    return client


def text(response) -> str:
    return response.content.decode()


def new_key(html: str) -> str | None:
    match = re.search(r'data-testid="new-token-key">([^<]+)<', html)
    return match.group(1) if match else None


# --- tokens ------------------------------------------------------------------


def test_token_is_shown_once_and_then_authenticates_the_api(client, world, grid_leader_a):
    login(client, grid_leader_a)
    response = client.post(reverse("accounts:tokens"), {"name": "手机"}, follow=True)
    key = new_key(text(response))
    assert key and key.startswith("wg_")
    assert response["Cache-Control"].find("no-store") >= 0
    assert ApiToken.objects.get(user=grid_leader_a).key_hash == ApiToken.hash(key)
    # Shown once: the next visit lists the token without its key.
    again = text(client.get(reverse("accounts:tokens")))
    assert key not in again and "手机" in again
    client.logout()
    me = client.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert me.status_code == 200
    assert me.json()["username"] == "leader_a" and me.json()["jurisdiction_name"] == "甲网格"


def test_revoking_a_token_stops_it(client, world, grid_leader_a):
    login(client, grid_leader_a)
    key = new_key(text(client.post(reverse("accounts:tokens"), {"name": "脚本"}, follow=True)))
    token = ApiToken.objects.get(user=grid_leader_a)
    url = reverse("accounts:token_revoke", args=[token.pk])
    assert client.get(url).status_code == 200  # a confirm page; nothing happens yet
    api = Client()  # no session: the bearer token alone
    assert api.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    assert client.post(url)["Location"] == reverse("accounts:tokens")
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_other_peoples_tokens_are_invisible_and_404(client, world, grid_leader_a, office_leader):
    login(client, office_leader)
    client.post(reverse("accounts:tokens"), {"name": "主任的令牌"})
    theirs = ApiToken.objects.get(user=office_leader)
    client.logout()
    login(client, grid_leader_a)
    assert "主任的令牌" not in text(client.get(reverse("accounts:tokens")))
    assert client.get(reverse("accounts:token_revoke", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("accounts:token_revoke", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


# --- account list ------------------------------------------------------------------


def test_account_list_needs_the_permission(client, world, grid_leader_a):
    assert login(client, grid_leader_a).get(reverse("accounts:user_list")).status_code == 403
    assert client.get(reverse("accounts:user_create")).status_code == 403


def test_account_list_shows_accounts_in_scope_only(client, world, office_leader, grid_leader_a, admin_user):
    make_user("zz_other", world.other_village, "village_cadre")
    html = text(login(client, office_leader).get(reverse("accounts:user_list")))
    listing = html.split('data-testid="user-list"', 1)[1]
    assert "leader_a" in listing and "office_leader" in listing
    assert "zz_other" not in html and "district_admin" not in listing


# --- creating accounts ---------------------------------------------------------------


def create_payload(world, **extra):
    data = {
        "username": "new_cadre",
        "display_name": "新干部",
        "jurisdiction": world.village.pk,
        "roles": [Role.objects.get(code="village_cadre").pk],
        "password1": "Long-enough-9",
        "password2": "Long-enough-9",
    }
    data.update(extra)
    return data


def test_create_an_account_in_scope(client, world, office_leader):
    login(client, office_leader)
    form = text(client.get(reverse("accounts:user_create")))
    units = form.split('name="jurisdiction"', 1)[1].split("</select>", 1)[0]
    assert f'value="{world.grid_a.pk}"' in units and f'value="{world.other_village.pk}"' not in units
    assert "甲网格" in units and "张庄村" not in form
    response = client.post(reverse("accounts:user_create"), create_payload(world))
    assert response["Location"] == reverse("accounts:user_list")
    user = User.objects.get(username="new_cadre")
    assert user.jurisdiction == world.village and user.display_name == "新干部"
    assert list(user.roles.values_list("code", flat=True)) == ["village_cadre"]
    assert user.check_password("Long-enough-9")
    assert AuditEvent.objects.filter(model="accounts.user", object_id=str(user.pk), action="create").exists()


def test_create_cannot_place_an_account_outside_the_scope(client, world, office_leader):
    login(client, office_leader)
    response = client.post(
        reverse("accounts:user_create"), create_payload(world, jurisdiction=world.other_village.pk)
    )
    assert response.status_code == 404
    missing = client.post(reverse("accounts:user_create"), create_payload(world, jurisdiction=987654))
    assert missing.status_code == 404
    assert not User.objects.filter(username="new_cadre").exists()


def test_create_cannot_grant_more_than_ones_own_rights(client, world):
    clerk_role = Role.objects.create(
        code="account_clerk", name="Account clerk", permissions=[ORG_VIEW, ACCOUNTS_MANAGE]
    )
    clerk = make_user("clerk", world.office)
    clerk.roles.set([clerk_role])
    login(client, clerk)
    response = client.post(
        reverse("accounts:user_create"),
        create_payload(world, roles=[Role.objects.get(code="office_leader").pk]),
    )
    assert response.status_code == 403
    assert not User.objects.filter(username="new_cadre").exists()
    ok = client.post(reverse("accounts:user_create"), create_payload(world, roles=[clerk_role.pk]))
    assert ok.status_code == 302


def test_create_errors_are_shown_on_the_form(client, world, office_leader):
    login(client, office_leader)
    mismatch = client.post(reverse("accounts:user_create"), create_payload(world, password2="Other-pass-9"))
    assert mismatch.status_code == 200 and 'class="errorlist' in text(mismatch)
    taken = client.post(reverse("accounts:user_create"), create_payload(world, username="OFFICE_LEADER"))
    assert taken.status_code == 200 and 'class="errorlist' in text(taken)
    weak = client.post(
        reverse("accounts:user_create"), create_payload(world, password1="123", password2="123")
    )
    assert weak.status_code == 200 and 'class="errorlist' in text(weak)
    assert not User.objects.filter(username="new_cadre").exists()


# --- editing accounts ---------------------------------------------------------------


def test_edit_an_account(client, world, office_leader, grid_leader_a):
    login(client, office_leader)
    url = reverse("accounts:user_edit", args=[grid_leader_a.pk])
    assert "leader_a" in text(client.get(url))
    response = client.post(
        url,
        {
            "display_name": "甲格长",
            "jurisdiction": world.workstation.pk,
            "roles": [Role.objects.get(code="grid_worker").pk],
            "password1": "",
            "password2": "",
        },
    )
    assert response.status_code == 302
    grid_leader_a.refresh_from_db()
    assert grid_leader_a.display_name == "甲格长"
    assert grid_leader_a.jurisdiction == world.workstation
    assert list(grid_leader_a.roles.values_list("code", flat=True)) == ["grid_worker"]
    assert grid_leader_a.is_active is False  # the unchecked box deactivates
    assert grid_leader_a.check_password("pass-word-123")


def test_edit_sets_a_new_password_and_keeps_active(client, world, office_leader, grid_leader_a):
    login(client, office_leader)
    url = reverse("accounts:user_edit", args=[grid_leader_a.pk])
    response = client.post(
        url,
        {
            "display_name": "",
            "jurisdiction": world.grid_a.pk,
            "roles": [Role.objects.get(code="grid_leader").pk],
            "is_active": "on",
            "password1": "Brand-new-pass-7",
            "password2": "Brand-new-pass-7",
        },
    )
    assert response.status_code == 302
    grid_leader_a.refresh_from_db()
    assert grid_leader_a.is_active and grid_leader_a.check_password("Brand-new-pass-7")


def test_edit_out_of_scope_account_or_jurisdiction_is_404(client, world, office_leader, grid_leader_a):
    stranger = make_user("zz_other", world.other_village, "village_cadre")
    login(client, office_leader)
    assert client.get(reverse("accounts:user_edit", args=[stranger.pk])).status_code == 404
    assert (
        client.post(reverse("accounts:user_edit", args=[stranger.pk]), {"display_name": "x"}).status_code
        == 404
    )
    moved = client.post(
        reverse("accounts:user_edit", args=[grid_leader_a.pk]),
        {
            "display_name": "",
            "jurisdiction": world.other_village.pk,
            "is_active": "on",
            "password1": "",
            "password2": "",
            "roles": [Role.objects.get(code="grid_leader").pk],
        },
    )
    assert moved.status_code == 404
    grid_leader_a.refresh_from_db()
    assert grid_leader_a.jurisdiction == world.grid_a


def test_editing_oneself_cannot_touch_own_roles_or_active_flag(client, world, office_leader):
    login(client, office_leader)
    url = reverse("accounts:user_edit", args=[office_leader.pk])
    form = text(client.get(url))
    assert 'name="roles"' not in form and 'name="is_active"' not in form
    response = client.post(
        url, {"display_name": "主任", "jurisdiction": world.office.pk, "password1": "", "password2": ""}
    )
    assert response.status_code == 302
    office_leader.refresh_from_db()
    assert office_leader.display_name == "主任" and office_leader.is_active
    assert list(office_leader.roles.values_list("code", flat=True)) == ["office_leader"]


@pytest.mark.parametrize("name", ["accounts:user_list", "accounts:user_create"])
def test_manager_without_jurisdiction_sees_no_accounts(client, world, name):
    make_user("someone", world.office, "grid_worker")
    nobody = make_user("nobody", None, "district_admin")
    response = login(client, nobody).get(reverse(name))
    assert response.status_code == 200
    html = text(response)
    assert "someone" not in html and "郑港办事处" not in html
