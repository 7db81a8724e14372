"""Signals other parts listen to. Sent inside the transaction that made the change."""

from django.dispatch import Signal

# Sent after results are applied to people due: results=[(due_id, person_result), ...]
# (person_result is a wangge.testing.models.PersonResult value).
person_results = Signal()
