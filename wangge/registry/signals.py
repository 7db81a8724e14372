"""Signals other parts listen to. Sent inside the transaction that made the change."""

from django.dispatch import Signal

# Sent after people's household, grid or path changed (a move, a return, a building re-hung
# under another grid, a merge): person_ids=[...]. Parts that copy a person's path follow it.
people_moved = Signal()

# Sent before a departure is recorded, inside its transaction, with the person locked:
# person=Person. A part that must not lose track of the person refuses with ValidationError.
person_departing = Signal()

# Sent after a departure is recorded, inside its transaction: person=Person (is_active False).
# Parts that count people due take them out.
person_departed = Signal()
