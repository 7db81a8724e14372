from django.shortcuts import render
from django.template.loader import render_to_string

from wangge.core.access import scoped_view
from wangge.core.home import home_items, home_panels


@scoped_view()
def home(request):
    """The actor's jurisdiction at a glance: the panels the parts registered, as far as the role goes."""
    scope = request.scope
    if scope.is_empty:
        return render(request, "core/home.html", {"no_jurisdiction": True})
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
