"""`python -m wangge <command>` and the `wangge` console script.

wangge seed-demo [--seed N] [--scale N] [--if-empty] [--flush] [--password P] [--quiet]
wangge demo-logins
wangge <any manage.py command>      e.g. wangge migrate, wangge runserver
"""

from __future__ import annotations

import os
import sys

# Our own subcommands, spelled with hyphens, and the management commands they run.
SHORTCUTS = {"seed-demo": "seed_demo", "demo-logins": "demo_logins"}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangge.settings")
    prog = "wangge"
    if len(argv) > 1 and argv[1] in SHORTCUTS:
        import django
        from django.core.management import call_command
        from django.core.management.base import CommandError

        django.setup()
        try:
            call_command(SHORTCUTS[argv[1]], *argv[2:])
        except CommandError as exc:
            sys.stderr.write(f"{prog} {argv[1]}: {exc}\n")
            return 1
        return 0
    from django.core.management import execute_from_command_line

    execute_from_command_line([prog, *argv[1:]])
    return 0


if __name__ == "__main__":
    sys.exit(main())
