from axes.helpers import get_lockout_message
from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from wangge.accounts import services
from wangge.core.access import api_operation
from wangge.core.api_conventions import ErrorOut, Line

router = Router(tags=["auth"])


class TokenIn(Schema):
    username: str
    password: str
    name: Line = "API"


class TokenOut(Schema):
    token: str
    name: str


class MeOut(Schema):
    username: str
    display_name: str
    jurisdiction_id: int | None
    jurisdiction_name: str | None
    permissions: list[str]


@router.post("/token", response={201: TokenOut, 401: ErrorOut, 429: ErrorOut}, auth=None)
@api_operation(public=True)
def obtain_token(request, payload: TokenIn):
    """Exchange a username and password for a bearer token. Failed attempts are throttled."""
    user = authenticate(request, username=payload.username, password=payload.password)
    if getattr(request, "axes_locked_out", False):
        request.axes_locked_out = False  # answered here in JSON: AxesMiddleware would send its HTML page
        return Status(429, {"detail": str(get_lockout_message())})
    if user is None or not user.is_active:
        return Status(401, {"detail": _("Wrong username or password.")})
    token, raw = services.issue_token(actor=user, name=payload.name)
    return Status(201, {"token": raw, "name": token.name})


@router.get("/me", response=MeOut)
@api_operation()
def me(request):
    user = request.actor
    return {
        "username": user.username,
        "display_name": user.display_name,
        "jurisdiction_id": user.jurisdiction_id,
        "jurisdiction_name": user.jurisdiction.name if user.jurisdiction else None,
        "permissions": sorted(user.permission_codes()),
    }
