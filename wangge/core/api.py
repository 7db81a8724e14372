"""The JSON API root: /api/v1/. Token (Bearer) or session authentication; same scoping as the pages."""

from ninja.security import HttpBearer, SessionAuth

from wangge.core.access import public_view
from wangge.core.api_conventions import ConventionalAPI


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        from wangge.accounts.services import user_for_token

        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class ActiveSessionAuth(SessionAuth):
    """Session cookie auth (CSRF-checked by ninja for unsafe methods)."""

    def authenticate(self, request, key):
        user = request.user
        return user if user.is_authenticated and user.is_active else None


def build_api() -> ConventionalAPI:
    # Errors, bodies, unknown paths and the documented 4xx: see wangge.core.api_conventions.
    api = ConventionalAPI(
        title="Wangge API",
        version="1",
        description="Community epidemic prevention by grid. Every route is scoped to the caller's jurisdiction.",
        auth=[TokenAuth(), ActiveSessionAuth()],
        urls_namespace="api",
        docs_decorator=public_view,
    )

    from wangge.accounts.api import router as accounts_router
    from wangge.audit.api import router as audit_router
    from wangge.org.api import router as org_router
    from wangge.roster.api import router as roster_router

    api.add_router("/auth", accounts_router)
    api.add_router("/units", org_router)
    api.add_router("/roster", roster_router)
    api.add_router("/audit", audit_router)
    from wangge.registry import api_codes, api_imports, api_places, api_rentals

    api.add_router("/registry", api_places.router)
    api.add_router("/registry/codes", api_codes.router)
    api.add_router("/registry/rentals", api_rentals.router)
    api.add_router("/registry/imports", api_imports.router)
    from wangge.testing import api_calling, api_checkin, api_coverage, api_results, api_rounds, api_transport

    api.add_router("/testing", api_checkin.router)
    # All mounted at /testing; each part owns distinct paths (see each module's docstring).
    for part in (api_rounds, api_calling, api_transport, api_results, api_coverage):
        api.add_router("/testing", part.router)
    from wangge.screening import api_followup, api_intake, api_measures, api_overview, api_rules

    # All mounted at /screening; each part owns distinct paths.
    for part in (api_overview, api_rules, api_intake, api_measures, api_followup):
        api.add_router("/screening", part.router)
    return api


api = build_api()
