"""Fixtures that start servers of the fault tests' own (tests/faults/servers.py)."""

import os

import pytest

from .servers import PostgresCluster, RedisServer, SmtpSink, can_run_postgres_clusters


@pytest.fixture
def postgres_cluster():
    """A PostgreSQL cluster of this test's own, on a free port, removed afterwards."""
    if not can_run_postgres_clusters():
        if os.environ.get("CI"):
            pytest.fail("fault tests need pg_createcluster and root in CI")
        pytest.skip("needs pg_createcluster (postgresql-common) and root")
    cluster = PostgresCluster().create()
    try:
        yield cluster
    finally:
        cluster.drop()


@pytest.fixture
def redis_server(tmp_path):
    """A Redis server of this test's own, on a free port, killed afterwards."""
    server = RedisServer(tmp_path).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp_sink():
    """An SMTP server that counts what each address received; it can refuse."""
    sink = SmtpSink().start()
    try:
        yield sink
    finally:
        sink.stop()
