"""Fuzzing store names and URLs: whatever `--store` is given, the CLI opens it or refuses it in
one line (exit status 1 or 2), never with a traceback, and never prints the password.

PostgreSQL URLs are made of random users, passwords (unicode, `@ : / [ ] % ? #`, full-width
forms), hosts, ports, databases and schemas, each percent-encoded or written raw. The only
hosts that can be reached are the loopback addresses, with a port nothing listens on (refused
at once): every other host is one the parser must refuse before connecting. Each password
holds a marker (`Pw` and six digits) that must appear in no output, whole or cut.
"""

from __future__ import annotations

import socket
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from domain.errors import StoreUrlError
from store.urls import parse_postgres_url
from tests.commands import invoke


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


#: Chosen once per test process: nothing listens there while the tests run.
CLOSED_PORT = _closed_port()


def fuzz(examples: int) -> settings:
    """Few enough examples to run in a few seconds; no deadline; the fixtures are read-only."""
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


#: The characters that break URLs and parsers, and their full-width look-alikes; with any
#: character, lone surrogates included (argv holds undecodable bytes as them).
AWKWARD = "@:/[]%?#&=\\ '\"\t\n\x00\uff5e\uff0f\uff20\uff1a\uff3b\uff3d\uff05\uff1f\uff03é中😀"
awkward_text = st.text(st.sampled_from(AWKWARD) | st.characters(), max_size=6)

#: A password with a marker that can be looked for in the output.
markers = st.integers(100_000, 999_999).map(lambda number: f"Pw{number}")
passwords = st.tuples(awkward_text, markers, awkward_text).map(lambda parts: "".join(parts))

users = st.sampled_from(["postgres", "user", "regimes"]) | awkward_text.filter(bool)
databases = st.sampled_from(["test", "db", "regimes"]) | awkward_text
reachable_hosts = st.sampled_from(["127.0.0.1", "[::1]", "localhost"])
# A character no host name holds, so a host with one is refused before any connection.
not_in_host_names = st.sampled_from("!$'()*+,; ~é中\uff11\uff20\uff0f")
unreachable_hosts = st.tuples(
    st.text(st.characters(blacklist_characters="/?#@:[]%"), max_size=5),
    not_in_host_names,
    st.text(st.characters(blacklist_characters="/?#@:[]%"), max_size=5),
).map(lambda parts: "".join(parts))
ports = st.sampled_from(
    [str(CLOSED_PORT)] * 30
    + [
        "0",
        "65536",
        "99999",
        "abc",
        "-1",
        "\uff15\uff14\uff13\uff12",
        "1e3",
        " 1",
        "+5432",
        "5432 ",
    ]
)
schemas = st.one_of(
    st.none(),
    st.none(),
    st.sampled_from(["", "regimes", "regimes", "Regimes", "pg_x", "a-b", "s" * 64]),
    awkward_text,
)


@st.composite
def postgres_urls(draw: st.DrawFn) -> tuple[str, str]:
    """A PostgreSQL store URL that reaches no server, and its password."""
    password = draw(passwords)

    def written(text: str) -> str:  # percent-encoded or raw, as a user might
        encoded = draw(st.integers(0, 3))
        return quote(text, safe="", errors="surrogatepass") if encoded else text

    scheme = draw(st.sampled_from(["postgresql", "postgres", "PostgreSQL"]))
    userinfo = written(draw(users))
    if draw(st.integers(0, 9)):  # mostly with a password, once in a while in the query
        userinfo += ":" + written(password)
    host = draw(st.one_of(reachable_hosts, reachable_hosts, reachable_hosts, unreachable_hosts))
    url = f"{scheme}://{userinfo}@{host}:{draw(ports)}/{written(draw(databases))}"
    schema = draw(schemas)
    query = [] if schema is None else [f"schema={written(schema)}"]
    if draw(st.integers(0, 9)) == 0:
        query.append(f"password={written(password)}")
    if draw(st.integers(0, 9)) == 0:
        query.append(draw(st.sampled_from(["sslmode=require", "shema=x", "", "x"])))
    return url + ("?" + "&".join(query) if query else ""), password


def assert_refused_in_one_line(exit_code: int, stdout: str, stderr: str) -> None:
    assert exit_code in (1, 2), stderr
    assert len(stderr.splitlines()) == 1, stderr
    assert "Traceback" not in stdout + stderr


@fuzz(200)
@given(postgres_urls())
@example(("postgresql://user:S3cret\uff0fPw123456@127.0.0.1:99999/db", "S3cret\uff0fPw123456"))
@example((f"postgresql://u:a[Pw123456@127.0.0.1:{CLOSED_PORT}/db", "a[Pw123456"))
@example(("postgresql://u:/Pw123456@h/db?schema=", "/Pw123456"))
def test_a_postgresql_url_never_shows_its_password(case: tuple[str, str]) -> None:
    url, password = case
    result = invoke("--store", url, "log")
    assert_refused_in_one_line(result.exit_code, result.stdout, result.stderr)
    event("refused" if result.exit_code == 2 else "connection refused")
    output = result.stdout + result.stderr
    marker = password[password.index("Pw") :][:8]
    for secret in {
        marker,
        password,
        quote(password, safe="", errors="surrogatepass"),
        quote(password, errors="surrogatepass"),
    }:
        assert secret not in output


def utf8(text: str) -> bool:
    """False for text holding a lone surrogate (which argv can hold, and no URL can encode)."""
    return not any(0xD800 <= ord(character) <= 0xDFFF for character in text)


@fuzz(200)
@given(
    users.filter(utf8),
    passwords.filter(utf8),
    databases.filter(bool).filter(utf8),
    st.sampled_from(["regimes", "a_1", "_x"]) | st.none(),
)
def test_a_well_written_url_gives_back_each_part_as_written(
    user: str, password: str, database: str, schema: str | None
) -> None:
    """Percent-encoding each part is the one way to write any user, password or database."""
    url = (
        f"postgresql://{quote(user, safe='')}:{quote(password, safe='')}@127.0.0.1:5999/"
        f"{quote(database, safe='')}" + (f"?schema={schema}" if schema else "")
    )
    try:
        parts = parse_postgres_url(url)
    except StoreUrlError as error:
        refusal = str(error)
    else:
        refusal = ""
    if refusal:  # only for what PostgreSQL itself cannot take
        assert any(word in refusal for word in ("control character", "NUL", "63 bytes"))
        return
    assert (parts.user, parts.password, parts.database, parts.schema) == (
        user,
        password,
        database,
        schema,
    )
    assert (parts.host, parts.port) == ("127.0.0.1", 5999)
    assert quote(password, safe="") not in parts.display
    assert ":***@127.0.0.1:5999/" in parts.display


#: Ways of writing a SQLite store, right and wrong, around random names.
sqlite_prefixes = st.sampled_from(
    [
        "",
        "./",
        "sub/",
        "sqlite://",
        "sqlite:///",
        "sqlite:////",
        "file:",
        "file://",
        "~nouser/",
        "~/",
        ":memory:",
        "u:p@",
        "postgresql:/",
    ]
)
sqlite_suffixes = st.sampled_from(
    ["", ".db", "?mode=memory", "?mode=ro", ":memory:", "/", "#1", "/..", "\n"]
)


@fuzz(150)
@given(prefix=sqlite_prefixes, name=st.text(max_size=12), suffix=sqlite_suffixes)
@example(prefix="", name="", suffix="")
@example(prefix="", name=":memory:", suffix="")
@example(prefix="file:", name="x", suffix="?mode=memory")
@example(prefix="~nouser/", name="x", suffix=".db")
def test_a_sqlite_name_is_opened_or_refused_in_one_line(
    prefix: str, name: str, suffix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A query (which never creates a store) in an empty folder: exit 1 (no store there) or
    2 (refused), one line, and nothing written."""
    store = prefix + name + suffix
    if store in ("memory:", "popo:"):
        return  # the throwaway store in memory: it exists, empty
    monkeypatch.chdir(tmp_path)
    before = sorted(tmp_path.rglob("*"))
    result = invoke("--store", store, "log")
    assert_refused_in_one_line(result.exit_code, result.stdout, result.stderr)
    assert sorted(tmp_path.rglob("*")) == before
