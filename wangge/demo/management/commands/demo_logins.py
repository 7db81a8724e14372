"""manage.py demo_logins: print the demo logins (for `make run`)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from wangge.accounts.models import User
from wangge.demo.logins import DEMO_LOGINS, DEMO_PASSWORD
from wangge.demo.tables import render_table


class Command(BaseCommand):
    help = "Print the demo logins: username, role, jurisdiction, password."

    def handle(self, *args, **options):
        users = {u.username: u for u in User.objects.filter(username__in=[x.username for x in DEMO_LOGINS])
                 .select_related("jurisdiction")}  # fmt: skip
        if not users:
            self.stdout.write("No demo logins in this database: run `python -m wangge seed-demo` first.")
            return
        rows = []
        for login in DEMO_LOGINS:
            user = users.get(login.username)
            if user is None:
                where = "(missing)"
            elif user.jurisdiction is None:
                where = "— (none)"
            else:
                where = f"{user.jurisdiction.name} ({user.jurisdiction.code})"
            rows.append((login.username, login.role or "—", where, login.shows))
        self.stdout.write("Demo logins (password " + DEMO_PASSWORD + " unless seeded with --password):")
        self.stdout.write(render_table(["username", "role", "jurisdiction", "shows"], rows))
