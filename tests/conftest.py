import os

import pytest

from tests.factories import (
    ScreeningSetup,
    StaffFactory,
    TestingSetup,
    World,
    make_screening,
    make_testing,
    make_user,
    make_world,
)
from tests.factories.scoping import foreign_setting

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests
# make around it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# The settings keep database connections for WANGGE_CONN_MAX_AGE seconds. In a long run a
# connection gets older than that, and a response closed late (a streamed export) fires
# close_old_connections, which closes it in the middle of a test: the test's transaction is gone
# and what follows runs in autocommit and leaks into later tests. Tests keep their connection.
from django.conf import settings as _django_settings  # noqa: E402

for _db in _django_settings.DATABASES.values():
    _db["CONN_MAX_AGE"] = None


@pytest.fixture(autouse=True, scope="session")
def _connections_never_age(django_db_setup, django_db_blocker):
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        conn.close_at = None


@pytest.fixture
def world(db) -> World:
    return make_world()


@pytest.fixture
def admin_user(world):
    return make_user("district_admin", world.district, "district_admin")


@pytest.fixture
def office_leader(world):
    return make_user("office_leader", world.office, "office_leader")


@pytest.fixture
def grid_leader_a(world):
    return make_user("leader_a", world.grid_a, "grid_leader")


@pytest.fixture
def staff_factory():
    return StaffFactory


@pytest.fixture(autouse=True)
def _english_messages(request, settings):
    """Tests read messages in English unless they are about the default language (marker
    `chinese_default`): the catalogue may reword Chinese freely without breaking them."""
    from django.utils import translation

    if request.node.get_closest_marker("chinese_default"):
        yield
        return
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


# --- testing rounds, screening, the scoping walk ----------------------------------------------


@pytest.fixture
def testing(world, admin_user) -> TestingSetup:
    return make_testing(world, admin_user)


@pytest.fixture
def screening(world) -> ScreeningSetup:
    return make_screening(world)


@pytest.fixture
def setting(world):
    """Data of every app in grid B and the other office (foreign to grid A), and (own) a staff
    member of grid A: (Foreign, StaffMember)."""
    return foreign_setting(world)


def _uses_the_database(item) -> bool:
    """A test (or a request's node) that has the database: pytest-django's mark or one of its fixtures."""
    database_fixtures = {
        "db",
        "transactional_db",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "live_server",
    }
    return item.get_closest_marker("django_db") is not None or bool(
        database_fixtures & set(getattr(item, "fixturenames", ()))
    )


@pytest.fixture(autouse=True)
def _fresh_cache(request, django_db_blocker):
    """Rate limits and cached tokens live in the caches: each test starts with empty ones. The
    shared cache is a database table that the transactional tests' flush leaves alone. A test
    without the database leaves it be: pytest-django sets up the test database only for a session
    that has such tests, so a test run alone would otherwise empty the table of the real one."""
    from django.core.cache import cache, caches

    cache.clear()
    if _uses_the_database(request.node):
        with django_db_blocker.unblock():
            caches["shared"].clear()
    yield


@pytest.fixture(autouse=True, scope="session")
def _one_request_at_a_time_on_in_memory_sqlite():
    """Browser tests' live server shares the test's one in-memory SQLite connection with every
    request thread; two requests at once on it (a page and its service worker's fetch) can hang
    for good. On that database the live server answers one request at a time (closing each
    connection, as Django's single-threaded server does); PostgreSQL keeps the threaded one."""
    from django.conf import settings as django_settings
    from django.core.servers.basehttp import WSGIServer
    from django.test.testcases import LiveServerThread

    class OneAtATimeServer(WSGIServer):
        # Requests run in the server's own thread, which already holds the shared connection.
        def __init__(self, *args, connections_override=None, **kwargs):
            super().__init__(*args, **kwargs)

    if django_settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        LiveServerThread.server_class = OneAtATimeServer
    yield


# --- the rows the migrations write, back after every transactional test -------------------------


def _flushes_the_database(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return True
    return bool({"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    """A transactional test ends with the database flushed, the roles, kinds and checklists the
    migrations wrote included. Django relies on running those tests last; split across workers
    (pytest-xdist) a file's transactional tests run before other files' tests, so the rows are
    put back here, as they were when the test database was made."""
    result = yield
    if nextitem is not None and _flushes_the_database(item):
        from django.db import connections
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            for conn in connections.all():
                contents = getattr(conn, "_test_serialized_contents", None)
                if contents:
                    conn.creation.deserialize_db_from_string(contents)
    return result
