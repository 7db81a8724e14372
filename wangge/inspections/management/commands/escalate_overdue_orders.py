"""Tell each office's leaders of its rectification orders past their deadline (once per order).

The same work as the Celery beat entry "inspections-escalate-overdue-orders"; for the embedded
default (no broker), run it daily from cron:
    0 8 * * *  cd /srv/wangge && .venv/bin/python manage.py escalate_overdue_orders
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from wangge.inspections.orders.services import escalate_overdue


class Command(BaseCommand):
    help = "Escalate rectification orders past their deadline to their office's leaders (daily)."

    def add_arguments(self, parser):
        parser.add_argument("--on", help="Escalate as on this day (YYYY-MM-DD); today by default.")

    def handle(self, *args, **options):
        on = None
        if options.get("on"):
            try:
                on = date.fromisoformat(options["on"])
            except ValueError as exc:
                raise CommandError("--on must be a date, YYYY-MM-DD") from exc
        told = escalate_overdue(on=on)
        self.stdout.write(f"{sum(told.values())} overdue orders escalated in {len(told)} offices")
