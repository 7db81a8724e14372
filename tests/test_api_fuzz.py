"""The API fuzzed from its own OpenAPI document (schemathesis), as a district admin and as a grid
leader: no operation may answer 5xx, answer a status it does not document, or answer a body
that its schema does not describe.

Bounded: a few examples per operation and mode (positive and negative data), and a time budget
for the whole run (WANGGE_FUZZ_EXAMPLES, WANGGE_FUZZ_SECONDS). The data is a small demo district.
"""

import os
import time
import warnings

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test.utils import override_settings
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from wangge.accounts.models import User
from wangge.accounts.services import issue_token
from wangge.demo.builder import DEFAULT_SEED, build_demo

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

EXAMPLES = int(os.environ.get("WANGGE_FUZZ_EXAMPLES", "4"))
BUDGET = float(os.environ.get("WANGGE_FUZZ_SECONDS", "240"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ROLES = {"district_admin": "admin", "grid_leader": "wanggezhang"}


class InProcessWSGI(WSGIHandler):
    """Django's WSGI handler, in the test's thread and transaction: like the test client, it does
    not close the connection at the end of each request."""


@pytest.fixture(scope="module")
def app(django_db_setup, django_db_blocker):
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        with (
            django_db_blocker.unblock(),
            override_settings(PASSWORD_HASHERS=FAST_HASHERS),
            transaction.atomic(),
        ):
            build_demo(seed=DEFAULT_SEED, people=300)
            tokens = {
                role: issue_token(actor=User.objects.get(username=username), name="fuzz")[1]
                for role, username in ROLES.items()
            }
            yield InProcessWSGI(), tokens
            transaction.set_rollback(True)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 100
    return operations


def _fuzz(operation, token: str, mode: GenerationMode, failures: list) -> None:
    headers = {"Authorization": f"Bearer {token}"}

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (AssertionError, BaseExceptionGroup) as exc:  # a failed check, or a group of them
            failures.append(f"{case.method} {case.formatted_path} [{mode.value}]: {str(exc)[:1500]}")

    run()


@pytest.mark.parametrize("role", list(ROLES))
def test_api_fuzz(app, role):
    wsgi, tokens = app
    operations = _operations(wsgi)
    failures: list[str] = []
    started = time.monotonic()
    budget = BUDGET / len(ROLES)
    done = 0
    for operation in operations:
        if time.monotonic() - started > budget:
            break
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(operation, tokens[role], mode, failures)
        done += 1
    elapsed = time.monotonic() - started
    print(f"\nfuzz as {role}: {done}/{len(operations)} operations in {elapsed:.0f}s")
    assert not failures, f"{len(failures)} failures:\n" + "\n\n".join(failures)
    if done < len(operations):  # a slow machine: say so, but do not fail on the clock
        warnings.warn(
            f"fuzz as {role}: only {done} of {len(operations)} operations within {budget:.0f}s", stacklevel=1
        )
