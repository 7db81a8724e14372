"""Give every venue kind without a checklist its starting one (never overwrites a district's)."""

from django.core.management.base import BaseCommand

from wangge.inspections.checklists.services import load_defaults


class Command(BaseCommand):
    help = "Load the starting checklists for venue kinds that have none."

    def handle(self, *args, **options):
        made = load_defaults()
        self.stdout.write(f"{made} checklists loaded")
