"""Pages mask every personal number; a role that may see one reveals it on demand (audited).
`revealed(client, html)` presses every "show" button of a page, as the viewer, and returns what
came back, so a test can say what the viewer *can* see in full."""

import re

from django.urls import reverse

_TOKEN = re.compile(r'hx-vals=\'\{"t": "([^"]+)"\}\'')


def reveal_tokens(html: str) -> list[str]:
    return _TOKEN.findall(html)


def revealed(client, html: str) -> str:
    out = []
    for token in reveal_tokens(html):
        response = client.post(reverse("audit:reveal"), {"t": token})
        if response.status_code == 200:
            out.append(response.content.decode())
    return " ".join(out)
