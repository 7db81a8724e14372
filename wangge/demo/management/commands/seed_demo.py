"""manage.py seed_demo: load the demo district (郑州航空港区) with its roster and demo logins."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from wangge.demo.builder import DEFAULT_SEED, DemoError, build_demo
from wangge.demo.logins import DEMO_PASSWORD
from wangge.demo.tables import render_table
from wangge.org.models import OrgUnit


def rebuild_database() -> None:
    """Every table dropped and the migrations run again. Not `manage.py flush`: it empties the
    tables the migrations filled too (standard roles, venue kinds, checklists, default rules), and
    the demo would be built without them."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
        else:
            cursor.execute("PRAGMA foreign_keys = OFF")
            for kind, name in cursor.execute(
                "SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'"
            ).fetchall():
                cursor.execute(f'DROP {kind.upper()} IF EXISTS "{name}"')
            cursor.execute("PRAGMA foreign_keys = ON")
    call_command("migrate", interactive=False, verbosity=0)


class Command(BaseCommand):
    help = (
        "Load the demo district 郑州航空港区: six offices, their villages and grids, the roster "
        "and one login per role. Deterministic: the same --seed and --scale give the same data."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})"
        )
        parser.add_argument(
            "--scale",
            type=int,
            default=1,
            help="multiply the invented villages, grids and staff by this (default 1)",
        )
        parser.add_argument(
            "--people",
            type=int,
            default=None,
            help="people in the registry (default 24,000 per --scale; the benchmark size is 1,000,000)",
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing (and say so) if any org unit exists already"
        )
        parser.add_argument(
            "--flush",
            action="store_true",
            help="first delete ALL data in the database and build it again from the migrations",
        )
        parser.add_argument(
            "--password",
            default=DEMO_PASSWORD,
            help=f"password of every demo login (default {DEMO_PASSWORD})",
        )
        parser.add_argument("--no-testing", action="store_true", help="leave out the two demo testing rounds")
        parser.add_argument("--quiet", action="store_true", help="print nothing unless something goes wrong")

    def handle(self, *args, **options):
        quiet = options["quiet"]
        if options["scale"] < 1:
            raise CommandError("--scale must be 1 or more.")
        if options["people"] is not None and options["people"] < 0:
            raise CommandError("--people cannot be negative.")
        if options["if_empty"] and options["flush"]:
            raise CommandError("--if-empty and --flush contradict each other.")
        if options["if_empty"] and OrgUnit.objects.exists():
            if not quiet:
                self.stdout.write("The database already has org units: demo data not loaded (--if-empty).")
            return
        if options["flush"]:
            rebuild_database()
        elif OrgUnit.objects.exists():
            raise CommandError(
                "The database already has org units. Use --if-empty to skip, or --flush to wipe it first."
            )
        try:
            result = build_demo(
                seed=options["seed"],
                scale=options["scale"],
                password=options["password"],
                people=options["people"],
                testing=not options["no_testing"],
            )
        except ValidationError as exc:  # the password validators
            raise CommandError("The demo password is refused: " + " ".join(exc.messages)) from exc
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        if quiet:
            return
        c = result.counts
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo district loaded in {result.seconds:.1f} s (seed {result.seed}, scale {result.scale})."
            )
        )
        self.stdout.write(
            f"Units: {c['offices']} offices, {c['management_areas']} management areas, {c['villages']} villages/"
            f"communities, {c['workstations']} workstations, {c['grids']} grids "
            f"({c['leaderless_grids']} without a current grid leader)."
        )
        self.stdout.write(
            f"Roster: {c['staff']} staff ({c['staff_active']} active), {c['assignments_current']} current and "
            f"{c['assignments_past']} past responsibilities, {c['departments']} departments, "
            f"{c['working_groups']} working groups ({c['working_group_members']} members), "
            f"{c['accounts']} accounts."
        )
        self.stdout.write(
            f"Registry: {c['people']} people ({c['people_active']} active) in {c['households']} households, "
            f"{c['rooms']} rooms, {c['buildings']} buildings; {c['rentals']} rentals and shops "
            f"({c['tenancies']} tenancies), {c['visits']} visits, {c['party_links']} party-member links, "
            f"{c['person_moves']} moves."
        )
        if c.get("round_one_due"):
            self.stdout.write(
                f"Testing: round 1 (郑港办事处, yesterday, open) {c['round_one_due']} due, "
                f"{c['round_one_sampled']} sampled into {c['round_one_tubes']} tubes at {c['round_one_sites']} sites, "
                f"one positive pool of {c['round_one_positive_pool_members']} on the re-test list; "
                f"round 2 (the district, tomorrow, planning) {c['round_two_due']} due at {c['round_two_sites']} sites."
            )
        self.stdout.write("")
        rows = [(u, role, f"{name} ({code})" if code != "—" else name, options["password"]) for u, role, name, code
                in result.logins]  # fmt: skip
        self.stdout.write(render_table(["username", "role", "jurisdiction", "password"], rows))
