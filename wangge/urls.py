from django.urls import include, path
from django.views.i18n import set_language

from wangge.core import health
from wangge.core.access import public_view
from wangge.core.api import build_api

# Built here, once every part has registered its routers from its AppConfig.
api = build_api()

urlpatterns = [
    # First: the API answers the sampling tables' scans, the busiest requests of all, and every
    # pattern tried before it costs each of them a match.
    path("api/v1/", api.urls),
    path("", include("wangge.core.urls")),
    path("accounts/", include("wangge.accounts.urls")),
    path("org/", include("wangge.roster.urls_tree")),
    path("roster/", include("wangge.roster.urls")),
    path("audit/", include("wangge.audit.urls")),
    path("registry/", include("wangge.registry.urls")),
    path("testing/", include("wangge.testing.urls")),
    path("screening/", include("wangge.screening.urls")),
    path("inspections/", include("wangge.inspections.urls")),
    path("s/", include("wangge.screening.public.urls")),
    path("venues/", include("wangge.venues.urls")),
    path("gatherings/", include("wangge.gatherings.urls")),
    path("g/", include("wangge.gatherings.public.urls")),
    path("duty/", include("wangge.duty.urls")),
    path("s/", include("wangge.duty.public.urls")),
    path("i18n/setlang/", public_view(set_language), name="set_language"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]

# A database or Redis outage met in a middleware answers 503, not a 500 page.
handler500 = "wangge.core.unavailable.server_error"
