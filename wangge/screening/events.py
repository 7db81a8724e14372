"""What one feature package of screening tells the others (receivers connect in apps.py)."""

from django.dispatch import Signal

# A measure was handed over to another place: sent inside the hand-over's transaction with
# `measure`, `actor` and `outcome` (the words kept on what it leaves unfinished).
measure_handed_over = Signal()
