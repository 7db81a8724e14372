"""manage.py refresh_duplicates: compute the likely duplicates again (all kinds, or --kind)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from wangge.registry.people import candidates, dedupe


class Command(BaseCommand):
    help = (
        "Compute the likely duplicates of the whole registry again (what the duplicates page reads). "
        "Run it from cron, e.g. nightly and after a large import. Queued to Celery when Redis is "
        "configured, else run here."
    )

    def add_arguments(self, parser):
        parser.add_argument("--kind", choices=sorted(dedupe.KINDS), action="append", help="only this kind")

    def handle(self, *args, **options):
        for kind in options["kind"] or list(dedupe.KINDS):
            started = time.perf_counter()
            scan = candidates.request_refresh(kind)
            self.stdout.write(
                f"{kind}: {scan.status}, {scan.groups} groups, {time.perf_counter() - started:.1f} s"
            )
