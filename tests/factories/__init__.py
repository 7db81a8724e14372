"""Test data builders, one module per domain:

- org: units (through the real service, so paths are always right) and the `world` tree
- accounts: roles, users, a client logged in as one
- roster: staff members
- registry: resident ID numbers with a valid GB 11643 check digit, registry import files and jobs
- testing: a district round, built and open, with a site and people (the `testing` fixture)
- screening: people, risk areas and accounts for screening (the `screening` fixture); measures
- demo: fast password hashing for the demo district, and wiping it
- scoping: every app's data outside grid A and the walk over every route (the `setting` fixture)

Fixtures live in tests/conftest.py and call these; test modules import helpers from here, never from
one another (tests/test_test_layout.py checks that).
"""

from tests.factories.accounts import client_for, make_user, role
from tests.factories.org import World, make_unit, make_world
from tests.factories.registry import testing_rid
from tests.factories.roster import StaffFactory
from tests.factories.screening import ScreeningSetup, check, in_force, make_screening, proposed
from tests.factories.testing import TestingSetup, make_testing

__all__ = [
    "ScreeningSetup",
    "StaffFactory",
    "TestingSetup",
    "World",
    "check",
    "client_for",
    "in_force",
    "make_screening",
    "make_testing",
    "make_unit",
    "make_user",
    "make_world",
    "proposed",
    "role",
    "testing_rid",
]
