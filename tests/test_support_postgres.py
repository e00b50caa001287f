"""The throwaway PostgreSQL server the suite relies on really works."""

from __future__ import annotations

import psycopg
import sqlalchemy as sa

from tests.support.postgres import PostgresServer


def test_server_accepts_connection_on_loopback(postgres_server: PostgresServer) -> None:
    assert postgres_server.host == "127.0.0.1"
    with psycopg.connect(
        host="127.0.0.1", port=postgres_server.port, user="postgres", dbname="postgres", connect_timeout=10
    ) as conn:
        row = conn.execute("select version()").fetchone()
        assert row is not None
        assert "PostgreSQL" in row[0]
        listen = conn.execute("show listen_addresses").fetchone()
        assert listen == ("127.0.0.1",)


def test_created_databases_are_independent(postgres_server: PostgresServer) -> None:
    first_url = postgres_server.create_database("support_independent_a")
    second_url = postgres_server.fresh_database("support_independent_b")
    assert (
        first_url == f"postgresql+psycopg://postgres@127.0.0.1:{postgres_server.port}/support_independent_a"
    )
    assert first_url != second_url

    first = sa.create_engine(first_url)
    second = sa.create_engine(second_url)
    try:
        with first.begin() as conn:
            conn.execute(sa.text("create table only_here (id integer primary key)"))
            conn.execute(sa.text("insert into only_here (id) values (1)"))
        with first.connect() as conn:
            assert conn.execute(sa.text("select count(*) from only_here")).scalar_one() == 1
        with second.connect() as conn:
            missing = conn.execute(sa.text("select to_regclass('public.only_here')")).scalar_one()
            assert missing is None
    finally:
        first.dispose()
        second.dispose()
