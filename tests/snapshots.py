"""Exact snapshots of a store, to prove a rejected command changed nothing."""

from __future__ import annotations

from store.locations import parse_store


def snapshot(url: str) -> object:
    """A SQLite store's file bytes, or every row of every table in a PostgreSQL schema."""
    store = parse_store(url)
    if store.path is not None:
        return store.path.read_bytes()
    import psycopg
    from psycopg import sql

    schema = store.env["POSTGRES_SCHEMA"]
    base = url.split("?", 1)[0]
    with psycopg.connect(base) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
                "ORDER BY table_name",
                (schema,),
            )
        ]
        return {
            table: connection.execute(
                sql.SQL("SELECT * FROM {}.{} ORDER BY 1").format(
                    sql.Identifier(schema), sql.Identifier(table)
                )
            ).fetchall()
            for table in tables
        }
