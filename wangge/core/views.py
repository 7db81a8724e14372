import json

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from wangge.core import offline
from wangge.core.access import public_view, scoped_view
from wangge.core.home import home_items, home_panels


@scoped_view()
def home(request):
    """The actor's jurisdiction at a glance: the panels the parts registered, as far as the role goes."""
    scope = request.scope
    if scope.is_empty:
        # An account of one place (a venue's own account) has no area, but may have items of its own.
        items = home_items(request, without_area_only=True)
        if not items:
            return render(request, "core/home.html", {"no_jurisdiction": True})
        return render(
            request,
            "core/home.html",
            {"todo": [i for i in items if i["count"]], "done": [i for i in items if not i["count"]]},
        )
    panels = []
    for panel in home_panels():
        context = panel.context(request)
        if context is not None:
            panels.append(render_to_string(panel.template, context, request=request))
    items = home_items(request)
    context = {
        "root": scope.root,
        "panels": panels,
        "todo": [i for i in items if i["count"]],
        "done": [i for i in items if not i["count"]],
    }
    return render(request, "core/home.html", context)


# --- offline: the service worker, the web app manifest, the "no network" page ------------------


@require_GET
@public_view
def service_worker(request):
    """The service worker (wangge/core/sw.js with this deploy's version and precache list), at
    the site's root so that its scope covers every page."""
    response = HttpResponse(offline.worker_source(), content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    patch_cache_control(response, no_cache=True, max_age=0)
    return response


@require_GET
@public_view
def manifest(request):
    """The web app manifest: installable to the home screen, opens standalone."""
    data = {
        "name": str(_("Wangge grid epidemic prevention")),
        "short_name": str(_("Wangge")),
        "description": str(_("Wangge · community epidemic prevention by grid")),
        "lang": get_language() or settings.LANGUAGE_CODE,
        "id": "/",
        "start_url": reverse("core:home"),
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#f5f6f8",
        "theme_color": "#b4232a",
        "icons": [
            {
                "src": static("wangge/icons/icon-192.png"),
                "sizes": "192x192",
                "type": "image/png",
                "purpose": "any",
            },
            {
                "src": static("wangge/icons/icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "any",
            },
            {
                "src": static("wangge/icons/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=1),
        content_type="application/manifest+json; charset=utf-8",
    )
    patch_cache_control(response, no_cache=True, max_age=0)
    return response


@require_GET
@public_view
def offline_page(request):
    """What a page that is not offline-capable shows when the network is down (precached)."""
    return render(request, "core/offline.html")
