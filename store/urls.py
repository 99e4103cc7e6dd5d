"""What a store name or URL says, checked part by part (docs/stores.md §1, §3).

A refusal says in one line what is wrong and never repeats a password: messages about a
PostgreSQL URL that did not parse name the part at fault, never its text, because a URL that
did not parse cannot be trusted to say where its password ends.
"""

from __future__ import annotations

import ipaddress
import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote

from domain.errors import StoreUrlError

#: How a PostgreSQL store URL is written, for messages.
POSTGRES_FORM = "postgresql://user[:password]@host[:port]/database[?schema=NAME]"
#: The one query parameter a PostgreSQL store URL takes.
SCHEMA = "schema"
#: PostgreSQL cuts longer names to this many bytes (NAMEDATALEN - 1), so two long names
#: could be the same database, user or schema without anyone noticing.
_NAME_BYTES = 63

#: Makes a refusal that names the URL's scheme only.
_Refusal = Callable[[str], StoreUrlError]

_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")
_HOST_NAME = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_-]*)(?:\.[A-Za-z0-9_-]+)*\.?")
_PORT = re.compile(r"[0-9]{1,5}")
# Lower case only: the library names its tables `schema.table` unquoted in one place.
_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]*")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_PARAMETER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,30}")
# `user:password@host/…` typed without its scheme, or a store URL without its `//`, would
# otherwise be a relative file path, printed (password and all) in every message about it.
_URL_WITHOUT_SCHEME = re.compile(r"[^/:@]*:[^/]*@|(?i:postgres|postgresql|sqlite):")


def check_store_name(name: str) -> None:
    """Refuses a store name that is empty or holds what no message may print."""
    if not name.strip():
        raise StoreUrlError(
            "the store name (--store or REGIMES_STORE) is empty: give a path "
            "or URL, or leave it out (unset REGIMES_STORE) for the default store"
        )
    for character in name:
        if unicodedata.category(character) in ("Cc", "Zl", "Zp"):
            raise StoreUrlError(
                f"the store name holds a control character "
                f"(U+{ord(character):04X}): give a plain path or URL"
            )


def url_scheme(name: str) -> str | None:
    """The scheme of `SCHEME://…` in lower case; None for a path."""
    match = _SCHEME.match(name)
    return match.group(1).lower() if match else None


def sqlite_url_path(url: str) -> Path:
    """The file of `sqlite:///PATH`: taken as written, with no parameters."""
    rest = url[len("sqlite://") :]
    if not rest.startswith("/"):
        # Not echoed: what stands before the path could be `user:password@`.
        raise StoreUrlError("store URL sqlite://…: write sqlite:///PATH (three slashes) for a file")
    if "?" in rest:
        raise StoreUrlError(
            "store URL sqlite://…: sqlite:/// URLs take no parameters (?…); "
            "for a file whose name holds '?', give its plain path"
        )
    return Path(rest[1:] if rest.startswith("//") else rest)


def plain_path(name: str) -> Path:
    """The file of a store given by its path, refusing what SQLite would read otherwise."""
    if name.startswith("file:"):
        raise StoreUrlError(
            f"store {name!r}: SQLite URI filenames (file:…) are not accepted, "
            "as their parameters bypass the store checks; give the file's path "
            "(or memory: for a throwaway store); for a file named 'file:…', "
            "write ./file:…"
        )
    if _URL_WITHOUT_SCHEME.match(name):
        raise StoreUrlError(
            "the store name looks like a URL without its scheme or its '//' "
            f"(user:…@…, postgresql:/…): write {POSTGRES_FORM} or "
            "sqlite:///PATH; for a file of that name, write ./ before it"
        )
    return Path(name)


def sqlite_file(path: Path) -> Path:
    """The store file `path` names (`~` expanded), if it can be one; else a one-line refusal."""
    try:
        path = path.expanduser()
    except RuntimeError:  # pathlib's "Could not determine home directory."
        user = str(path).split("/", 1)[0]
        raise StoreUrlError(
            f"store {str(path)!r}: cannot expand {user!r}: no such user's home directory"
        ) from None
    try:
        full = str(path.absolute())
        os.fsencode(full)
    except UnicodeError:
        raise StoreUrlError("the store path is not a file name this system can use") from None
    except OSError as error:  # the working directory is gone
        raise StoreUrlError(f"store {str(path)!r}: {error.strerror}") from None
    # The storage library takes any name holding these for a database in memory: its records
    # would be lost when the command ends.
    if ":memory:" in full or "mode=memory" in full:
        which = (
            "SQLite's in-memory database"
            if str(path) in (":memory:", "/:memory:")
            else "a path the storage library takes for an in-memory database"
        )
        raise StoreUrlError(
            f"store {str(path)!r} is {which}: its records would be lost when "
            "the command ends; give a file path (or memory: for a throwaway "
            "store)"
        )
    try:
        if path.is_dir():
            raise StoreUrlError(f"store {str(path)!r} is a folder: give the path of the store file")
    except OSError as error:  # too long a name, a folder it may not look into...
        raise StoreUrlError(f"store {str(path)!r}: {error.strerror}") from None
    return path


@dataclass(frozen=True)
class PostgresUrl:
    """The parts of a PostgreSQL store URL, percent-decoded and checked."""

    user: str
    password: str | None = field(repr=False)
    host: str
    port: int
    database: str
    schema: str | None
    display: str  # the URL as written, its password as ***


def parse_postgres_url(url: str) -> PostgresUrl:
    """`postgresql://user[:password]@host[:port]/database[?schema=NAME]`, every part checked."""
    scheme, rest = url.split("://", 1)

    def refused(problem: str) -> StoreUrlError:
        return StoreUrlError(f"store URL {scheme}://…: {problem}")

    # The host part ends at the first '/', '?' or '#'. An '@' beyond it is a user name or
    # password holding one of those unencoded: cutting there would print part of it.
    end = min((rest.index(mark) for mark in "/?#" if mark in rest), default=len(rest))
    authority, tail = rest[:end], rest[end:]
    if "@" in tail:
        raise refused(
            "'@' after the host: in a user name or password, percent-encode "
            "'/', '?', '#' and '@' (%2F, %3F, %23, %40)"
        )
    if "#" in tail:
        raise refused("a store URL has no #fragment (percent-encode '#' as %23)")
    userinfo, at, host_port = authority.rpartition("@")
    if not at or not userinfo:
        raise refused(f"no user name: write {POSTGRES_FORM}")
    raw_user, colon, raw_password = userinfo.partition(":")
    user = _name(_decoded(raw_user, "the user name", refused), "the user name", refused)
    password = _decoded(raw_password, "the password", refused) if colon else None
    if password is not None and "\x00" in password:
        raise refused("the password holds a NUL character, which PostgreSQL cannot take")
    host, port = _host_port(host_port, refused)
    path, _, query = tail.partition("?")
    if not path.startswith("/") or len(path) == 1:
        raise refused(f"no database: write {POSTGRES_FORM}")
    database = _name(_decoded(path[1:], "the database name", refused), "the database name", refused)
    schema = _schema(query, password, refused)
    shown_userinfo = f"{raw_user}:***" if colon else raw_user
    display = f"{scheme}://{shown_userinfo}@{host_port}{tail}"
    return PostgresUrl(user, password, host, port, database, schema, display)


def conceal_password(text: str, password: str | None) -> str:
    """`text` (a driver's message, say) with `password`, as given or percent-encoded, as ***."""
    if not password or len(password) < 4:  # too short to tell from chance
        return text
    for form in sorted(
        {password, quote(password, safe=""), quote(password)}, key=len, reverse=True
    ):
        text = text.replace(form, "***")
    return text


def redact(url: str) -> str:
    """The URL with any password replaced by `***`; only its scheme if it does not parse."""
    if url_scheme(url) not in ("postgresql", "postgres"):
        return url
    try:
        return parse_postgres_url(url).display
    except StoreUrlError:
        return f"{url.split('://', 1)[0]}://…"


def _decoded(raw: str, what: str, refused: _Refusal) -> str:
    if _BAD_PERCENT.search(raw):
        raise refused(f"{what} has a '%' not followed by two hex digits (write '%' as %25)")
    try:
        decoded = unquote(raw, errors="strict")
        decoded.encode("utf-8")
    except UnicodeError:
        raise refused(f"{what} is not UTF-8 once percent-decoded") from None
    return decoded


def _name(value: str, what: str, refused: _Refusal) -> str:
    if not value:
        raise refused(f"{what} is empty: write {POSTGRES_FORM}")
    if any(unicodedata.category(character) == "Cc" for character in value):
        raise refused(f"{what} holds a control character")
    if len(value.encode("utf-8")) > _NAME_BYTES:
        raise refused(f"{what} is longer than PostgreSQL's {_NAME_BYTES} bytes")
    return value


def _host_port(host_port: str, refused: _Refusal) -> tuple[str, int]:
    if host_port.startswith("["):  # an IPv6 address: [::1]:5432
        inside, bracket, after = host_port[1:].partition("]")
        try:
            host = str(ipaddress.IPv6Address(inside)) if bracket else ""
        except ValueError:
            host = ""
        if not host or (after and not after.startswith(":")):
            raise refused("the host is not an IPv6 address in brackets ([::1])")
        port = after[1:] if after else ""
    else:
        host, _, port = host_port.partition(":")
        if ":" in port:
            raise refused("an IPv6 address as host goes in brackets ([::1]:5432)")
        if not host:
            raise refused(f"no host: write {POSTGRES_FORM}")
        if len(host) > 253 or not _HOST_NAME.fullmatch(host):
            raise refused(
                "the host is not a host name or address (ASCII letters, digits, '-', '.')"
            )
    if not port:
        return host, 5432
    if not _PORT.fullmatch(port) or not 1 <= int(port) <= 65535:
        raise refused("the port must be a number from 1 to 65535")
    return host, int(port)


def _schema(query: str, password: str | None, refused: _Refusal) -> str | None:
    if not query:
        return None
    schema: str | None = None
    for parameter in query.split("&"):
        raw_name, equals, raw_value = parameter.partition("=")
        name = _decoded(raw_name, "a parameter name", refused)
        if name == "password":
            raise refused(
                "a ?password= parameter is not accepted: write the password as "
                "postgresql://user:PASSWORD@host/db, or set PGPASSWORD"
            )
        if name != SCHEMA:
            shown = (
                repr(name)
                if _PARAMETER_NAME.fullmatch(name) and not (password and password in name)
                else ""
            )
            raise refused(
                f"unknown parameter {shown or '(not shown)'}: the only one is {SCHEMA}=NAME"
            )
        if schema is not None:
            raise refused(f"{SCHEMA}= is given twice")
        value = _decoded(raw_value, f"the {SCHEMA}", refused) if equals else ""
        if not value:
            raise refused(
                f"{SCHEMA}= is empty: name a schema, or leave the parameter out "
                "for the database's public schema"
            )
        if len(value) > _NAME_BYTES or not _SCHEMA_NAME.fullmatch(value) or value.startswith("pg_"):
            raise refused(
                f"the {SCHEMA} must be a lower-case name of letters, digits and _ "
                f"(at most {_NAME_BYTES}, not starting with pg_)"
            )
        schema = value
    return schema
