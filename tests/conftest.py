"""Fixtures shared by every suite: stores in tmp_path or a private PostgreSQL schema."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from domain.application import Regimes
from store.locations import parse_store
from store.log import open_application

POSTGRES_URL = os.environ.get(
    "REGIMES_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)


#: Run first: the suites whose tests take seconds each (real processes, hypothesis), so that
#: the many short tests fill every worker in at the end instead of one long test at the end.
_LONG_FIRST = ("tests/integration/", "tests/properties/")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Orders the collected tests long suites first, keeping their order otherwise."""
    items.sort(key=lambda item: not item.nodeid.startswith(_LONG_FIRST))


@pytest.fixture(autouse=True)
def _private_default_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Points the default store at tmp_path and clears any store the environment names."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("REGIMES_STORE", raising=False)


@pytest.fixture
def popo_app() -> Iterator[Regimes]:
    """An in-memory application, for unit tests."""
    app = open_application(parse_store("memory:"))
    yield app
    app.close()


@pytest.fixture
def sqlite_path(tmp_path: Path) -> Path:
    """Where a test's SQLite store lives."""
    return tmp_path / "store.db"


@pytest.fixture
def sqlite_app(sqlite_path: Path) -> Iterator[Regimes]:
    """An application on a real SQLite file."""
    app = open_application(parse_store(str(sqlite_path)))
    yield app
    app.close()


def _postgres_or_skip() -> None:
    try:
        import psycopg

        with psycopg.connect(POSTGRES_URL, connect_timeout=3):
            return
    except Exception as error:
        reason = f"no PostgreSQL server at {POSTGRES_URL}: {error}".splitlines()[0]
        if os.environ.get("REGIMES_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"REGIMES_REQUIRE_POSTGRES=1 but {reason}")
        pytest.skip(reason)


def _drop_schema(schema: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))
        )


#: A new, empty store of the test's kind each time it is called.
StoreFactory = Callable[[], str]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def new_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    """Makes store URLs of one kind: SQLite files in tmp_path, or private PostgreSQL schemas."""
    kind: str = request.param
    made: list[str] = []
    if kind == "postgresql":
        _postgres_or_skip()

    def make() -> str:
        if kind == "sqlite":
            url = str(tmp_path / f"store-{len(made)}.db")
        else:
            schema = f"regimes_test_{uuid.uuid4().hex[:12]}"
            url = f"{POSTGRES_URL}?schema={schema}"
        made.append(url)
        return url

    yield make
    if kind == "postgresql":
        for url in made:
            _drop_schema(url.rsplit("schema=", 1)[1])


@pytest.fixture
def store_url(new_store: StoreFactory) -> str:
    """One store of the test's kind (SQLite and PostgreSQL in turn)."""
    return new_store()


@pytest.fixture
def store_app(store_url: str) -> Iterator[Regimes]:
    """The application on `store_url`."""
    app = open_application(parse_store(store_url))
    yield app
    app.close()


@pytest.fixture(scope="session")
def bundled_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite store holding the bundled history, made once per test process."""
    from tests.commands import invoked

    path = tmp_path_factory.mktemp("bundled-template") / "bundled.db"
    invoked("--store", str(path), "init")
    return path


@pytest.fixture
def bundled_store(store_url: str, bundled_template: Path) -> str:
    """A store of the test's kind holding the bundled history, the test's own: a SQLite
    store is a copy of the template, a PostgreSQL one is loaded (`init`)."""
    from tests.commands import copy_store, invoked

    if store_url.startswith("postgresql"):
        invoked("--store", store_url, "init")
        return store_url
    return copy_store(bundled_template, store_url)


@pytest.fixture(scope="module")
def bundled_module_store(bundled_template: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite store holding the bundled history, shared by a test module's questions."""
    from tests.commands import copy_store

    return copy_store(bundled_template, str(tmp_path_factory.mktemp("bundled") / "bundled.db"))
