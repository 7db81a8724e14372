"""What the tree tells the parts above it."""

from django.dispatch import Signal

# A unit closes: sent inside the closing transaction with `unit` and `actor`.
unit_closed = Signal()
