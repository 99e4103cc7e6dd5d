"""Opening a store: the checks read the file through SQLite only; store names and URLs."""

from __future__ import annotations

import builtins
import io
from pathlib import Path
from typing import Any

import pytest

from domain.application import Regimes
from domain.errors import StoreError, StoreUrlError
from store.locations import conceal, parse_store
from store.log import open_application
from store.urls import redact
from tests.samples import RECORDED_AT, batch, imposed


def test_checking_an_open_store_never_opens_its_file_outside_sqlite(
    sqlite_app: Regimes, sqlite_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Closing a descriptor of our own on the file would drop the POSIX locks this process's
    SQLite connections hold on it (seen as "disk I/O error" later)."""
    sqlite_app.append(batch(imposed()), RECORDED_AT)
    opened: list[str] = []
    real_open = builtins.open

    def watching_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if str(file).startswith(str(sqlite_path)):
            opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", watching_open)
    monkeypatch.setattr(io, "open", watching_open)
    with parse_store(str(sqlite_path)).opening():
        pass
    assert opened == []


def test_a_file_that_is_not_sqlite_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("not a database, just notes\n" * 100)
    with pytest.raises(StoreError, match="is not a regimes store: it is not a SQLite database"):
        open_application(parse_store(str(path)))


@pytest.mark.parametrize("name", ["store.db", "my stores/#1 store.db"])
def test_an_existing_store_opens_by_a_relative_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / name).parent.mkdir(exist_ok=True)
    app = open_application(parse_store(name))
    app.append(batch(imposed()), RECORDED_AT)
    app.close()
    again = open_application(parse_store(name))  # the store exists now: it is checked
    try:
        assert again.last_position() == 1
    finally:
        again.close()


@pytest.mark.parametrize(
    "name",
    [
        "store.db",
        "./store.db",
        "sub/../store.db",
        "sqlite:///{cwd}/store.db",
        "sqlite:////{cwd}/store.db",
    ],
)
def test_every_way_of_naming_a_sqlite_file_gives_the_library_its_absolute_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """The library opens names as SQLite URIs: a relative `file:…` name would be read as one."""
    monkeypatch.chdir(tmp_path)
    store = parse_store(name.replace("{cwd}", str(tmp_path).lstrip("/")))
    assert Path(store.env["SQLITE_DBNAME"]).resolve() == tmp_path / "store.db"
    assert store.env["SQLITE_DBNAME"].startswith("/")


def test_a_file_named_file_colon_is_given_to_the_library_as_a_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    store = parse_store("./file:store.db")
    assert store.env["SQLITE_DBNAME"] == str(tmp_path / "file:store.db")
    assert store.display == "./file:store.db"


def test_a_postgresql_url_is_shown_with_its_password_hidden() -> None:
    store = parse_store("postgres://ana:S3cret%2FPW@[::1]/regimes?schema=trade_1")
    assert store.display == "postgres://ana:***@[::1]/regimes?schema=trade_1"
    assert (store.env["POSTGRES_HOST"], store.env["POSTGRES_PORT"]) == ("::1", "5432")
    assert store.env["POSTGRES_PASSWORD"] == "S3cret/PW"
    assert store.env["POSTGRES_SCHEMA"] == "trade_1"
    assert redact("postgresql://ana:S3cret@h/db") == "postgresql://ana:***@h/db"
    assert redact("postgresql://ana:S3cret@h:99999/db") == "postgresql://…"


def test_a_driver_message_about_a_store_never_holds_its_password() -> None:
    store = parse_store("postgresql://ana:S3cret%2FPW@127.0.0.1/regimes")
    message = "server said: password S3cret/PW (or S3cret%2FPW) is wrong"
    assert conceal(store, message) == "server said: password *** (or ***) is wrong"
    assert conceal(parse_store("postgresql://ana:pw@h/db"), "pw") == "pw"  # too short to tell


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("postgresql://ana:S3cret@h:99999/db", "the port must be a number from 1 to 65535"),
        ("postgresql://ana:S3cret@h/db?schema=", "schema= is empty"),
        ("postgresql://ana:S3cret@h/db?schema=x&foo=1", "unknown parameter 'foo'"),
        ("~nouser/x.db", "cannot expand '~nouser'"),
        (":memory:", "SQLite's in-memory database"),
        ("file:store.db", "SQLite URI filenames (file:…) are not accepted"),
        ("", "is empty"),
    ],
    ids=[
        "port",
        "empty-schema",
        "unknown-parameter",
        "unknown-user",
        "memory",
        "file-uri",
        "empty",
    ],
)
def test_a_refused_store_name_is_a_store_url_error(url: str, says: str) -> None:
    with pytest.raises(StoreUrlError) as refusal:
        parse_store(url)
    assert says in str(refusal.value)
    assert "S3cret" not in str(refusal.value)
