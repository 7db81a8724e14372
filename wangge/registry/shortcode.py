"""The short personal code: what a resident can read off their card and type.

Twelve characters of Crockford's base32 alphabet (no I, L, O or U), printed in groups of four
(`7KQ4-M2XD-9P3C`): eleven random characters and a check character. It is random (55 bits from
the operating system's generator): nothing of the ID number or of the record's key is in it, so
it cannot be reversed into anything. It is stored on the person (`Person.short_code`, unique and
indexed), replaced when the code is revoked, and is a second key beside the QR's signed token.

The check character is a Damm-style check over GF(32): the running value is r ← a·(r ⊕ d) with
a = x (the field element 2, a ∉ {0, 1}). Every step is a bijection in both arguments, so every
single-character substitution changes the result; and (r∘x)∘y ⊕ (r∘y)∘x = a(a+1)(x ⊕ y) ≠ 0
for x ≠ y, so every transposition of two adjacent characters (the check character included) is
detected too. A code whose check fails is a typing mistake, told apart from an unknown code.
"""

from __future__ import annotations

import os
import unicodedata

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32
PAYLOAD = 11
LENGTH = PAYLOAD + 1
GROUP = 4
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
# Crockford's decoding: letters read as the digits they look like.
_LOOKALIKE = {"O": "0", "I": "1", "L": "1"}
_SEPARATORS = frozenset(" -_.\u00b7\u2010\u2011\u2012\u2013\u2014\u2212\u30fb\t")
_POLY = 0b100101  # x^5 + x^2 + 1, primitive over GF(2)

VALID = "valid"
MALFORMED = "malformed"  # wrong length or characters outside the alphabet
BAD_CHECK = "bad_check"  # the right shape, but the check character does not match


def _times_a(v: int) -> int:
    v <<= 1
    return v ^ _POLY if v & 0b100000 else v


def check_char(payload: str) -> str:
    r = 0
    for c in payload:
        r = _times_a(r ^ _VALUE[c])
    return ALPHABET[r]


def is_consistent(code: str) -> bool:
    """A canonical code (no separators) whose check character matches."""
    r = 0
    for c in code:
        r = _times_a(r ^ _VALUE[c])
    return r == 0


def new_short_code() -> str:
    """A fresh random code in canonical form (12 characters, no separators)."""
    n = int.from_bytes(os.urandom(7), "big") >> (56 - 5 * PAYLOAD)
    payload = "".join(ALPHABET[(n >> (5 * i)) & 31] for i in range(PAYLOAD - 1, -1, -1))
    return payload + check_char(payload)


def display(code: str | None) -> str:
    """As printed and shown: groups of four joined by dashes."""
    if not code:
        return ""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def normalise(text: str) -> str:
    """What was typed, in canonical form: full-width characters folded (NFKC), any case,
    dashes and spaces dropped, O read as 0 and I, L as 1. Not yet checked."""
    folded = unicodedata.normalize("NFKC", text or "").upper()
    return "".join(_LOOKALIKE.get(c, c) for c in folded if c not in _SEPARATORS and not c.isspace())


def parse(text: str) -> tuple[str, str]:
    """(outcome, canonical code): VALID with the code, else MALFORMED or BAD_CHECK."""
    code = normalise(text)
    if len(code) != LENGTH or any(c not in _VALUE for c in code):
        return MALFORMED, code
    if not is_consistent(code):
        return BAD_CHECK, code
    return VALID, code


def fresh_codes(n: int, taken) -> list[str]:
    """`n` new codes, distinct from each other and from `taken(codes) -> set of those in use`."""
    out: set[str] = set()
    while len(out) < n:
        batch = {new_short_code() for _ in range(n - len(out))} - out
        out |= batch - set(taken(batch))
    return list(out)


def backfill(person_model, connection, batch_size: int = 5000) -> int:
    """Give every person without a short code one, in batches: one SELECT of keys, one check of
    the new codes against the index and one UPDATE … FROM (VALUES …) per batch. Used by the data
    migration (with the historical model) and by anyone repairing rows written by raw SQL.
    The number of people given a code."""
    table = connection.ops.quote_name(person_model._meta.db_table)
    done, last = 0, 0
    manager = person_model._base_manager

    def taken(codes):
        return manager.filter(short_code__in=list(codes)).values_list("short_code", flat=True)

    while True:
        ids = list(
            manager.filter(pk__gt=last, short_code__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return done
        codes = fresh_codes(len(ids), taken)
        for start in range(0, len(ids), 1000):
            part = list(zip(ids[start : start + 1000], codes[start : start + 1000], strict=True))
            values = ", ".join(["(%s, %s)"] * len(part))
            params = [x for pair in part for x in pair]
            sql = (
                f"WITH v(id, code) AS (VALUES {values}) "  # noqa: S608 - names from the model
                f"UPDATE {table} SET short_code = (SELECT v.code FROM v WHERE v.id = {table}.id) "
                f"WHERE {table}.id IN (SELECT v.id FROM v) AND {table}.short_code IS NULL"
            )
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
        done += len(ids)
        last = ids[-1]
