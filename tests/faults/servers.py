"""Servers of the fault tests' own, to stop, kill and refuse with.

The machine's shared PostgreSQL (5432) and Redis (6379) are never touched: each
fault test starts a PostgreSQL cluster, a Redis server or an SMTP sink on a free
port, breaks it for real, and removes it afterwards.

- `PostgresCluster`: `pg_createcluster` on a free port, trust on 127.0.0.1,
  durability off (a test cluster, recreated every run); `stop()`, `start()`,
  `kill()` (SIGKILL to the postmaster: a crash, not a shutdown).
- `RedisServer`: `redis-server` on a free port with nothing on disk; `stop()`,
  `start()`.
- `SmtpSink`: an aiosmtpd server that counts what each address received and can
  be told to refuse connections (`stop()`), greet with 421, answer 451 to every
  recipient, or drop the connection mid-message.
"""

import asyncio
import email
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections import Counter
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

PG_VERSION = "15"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(predicate, *, seconds: float, what: str, every: float = 0.1):
    """Poll until `predicate()` is truthy and return it; fail naming `what`."""
    deadline = time.monotonic() + seconds
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s waiting for {what}")
        time.sleep(every)


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def can_run_postgres_clusters() -> bool:
    return bool(shutil.which("pg_createcluster")) and os.geteuid() == 0


class PostgresCluster:
    def __init__(self) -> None:
        self.name = f"bsfault{uuid.uuid4().hex[:8]}"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/broadsheet"
        self.config = Path(f"/etc/postgresql/{PG_VERSION}/{self.name}")

    def create(self) -> "PostgresCluster":
        subprocess.run(
            ["pg_createcluster", PG_VERSION, self.name, "--port", str(self.port)],
            check=True,
            capture_output=True,
        )
        hba = self.config / "pg_hba.conf"
        hba.write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
        with (self.config / "postgresql.conf").open("a") as conf:
            # No fsync: a crash of the server (not of the machine) loses nothing.
            # synchronous_commit stays on, as in production: with it off, a crash
            # forgets the last commits and the tests would see it.
            conf.write("fsync = off\n")
        self.start()
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]
            + ["-c", "CREATE DATABASE broadsheet"],
            check=True,
            capture_output=True,
        )
        return self

    def _ctl(self, action: str) -> None:
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", PG_VERSION, self.name]
            + [action, *(["-m", "immediate"] if action == "stop" else [])],
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        self._ctl("start")
        wait_until(lambda: port_open(self.port), seconds=30, what="PostgreSQL")

    def stop(self) -> None:
        """An immediate shutdown: connections are cut, nothing is flushed."""
        self._ctl("stop")

    def kill(self) -> None:
        """SIGKILL to the postmaster, as a crash of the server would."""
        pid_file = Path(f"/var/run/postgresql/{PG_VERSION}-{self.name}.pid")
        pid = int(pid_file.read_text().split()[0])
        os.kill(pid, signal.SIGKILL)
        # Its backends would keep the shared memory and block a restart.
        subprocess.run(["pkill", "-KILL", "-P", str(pid)], check=False)
        wait_until(lambda: not port_open(self.port), seconds=10, what="the kill")
        # Where nothing reaps orphans (a container's init), the dead postmaster
        # stays a zombie and its socket lock would look alive to the next start.
        Path(f"/var/run/postgresql/.s.PGSQL.{self.port}.lock").unlink(missing_ok=True)

    def drop(self) -> None:
        subprocess.run(
            ["pg_dropcluster", "--stop", PG_VERSION, self.name], capture_output=True
        )


class RedisServer:
    def __init__(self, tmp_path: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.pidfile = tmp_path / f"redis-{self.port}.pid"

    def start(self) -> "RedisServer":
        subprocess.run(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no", "--daemonize", "yes"]
            + ["--pidfile", str(self.pidfile)],
            check=True,
            capture_output=True,
        )
        wait_until(lambda: port_open(self.port), seconds=10, what="Redis")
        return self

    def stop(self) -> None:
        if self.pidfile.exists():
            try:
                os.kill(int(self.pidfile.read_text()), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass
            self.pidfile.unlink(missing_ok=True)
        wait_until(lambda: not port_open(self.port), seconds=10, what="Redis to stop")


class _Handler:
    """Counts each recipient's messages (and by subject); `mode` says how to
    misbehave; `delay` makes each message take that long (a slow server)."""

    def __init__(self) -> None:
        self.received: Counter[str] = Counter()
        self.by_subject: Counter[tuple[str, str]] = Counter()
        self.arrivals: list[tuple[float, str]] = []  # (monotonic time, subject)
        self.mode = "accept"  # accept | refuse-recipients | drop | greet-421
        self.delay = 0.0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.mode == "refuse-recipients":
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.mode == "drop":
            server.transport.abort()  # the connection goes down mid-message
            return "421 closing"
        message = email.message_from_bytes(envelope.content)
        subject = str(message.get("Subject", ""))
        for address in envelope.rcpt_tos:
            self.received[address.lower()] += 1
            self.by_subject[subject, address.lower()] += 1
        self.arrivals.append((time.monotonic(), subject))
        return "250 Message accepted"


class _GreetingSMTP(SMTP):
    """Greets with 421 ("service not available") when told to."""

    def __init__(self, handler, **kwargs) -> None:
        super().__init__(handler, **kwargs)
        self._sink_handler = handler

    async def push(self, status: str) -> None:
        if self._sink_handler.mode == "greet-421" and status.startswith("220"):
            status = "421 4.3.2 Service not available, try again later"
            await super().push(status)
            self.transport.close()
            return
        await super().push(status)


class _Controller(Controller):
    def factory(self):
        return _GreetingSMTP(self.handler, **self.SMTP_kwargs)


class SmtpSink:
    def __init__(self) -> None:
        self.port = free_port()
        self.handler = _Handler()
        self.controller: Controller | None = None

    @property
    def received(self) -> Counter:
        return self.handler.received

    def copies(self, subject: str) -> Counter:
        """How many copies of the message with `subject` each address received."""
        return Counter(
            {
                address: count
                for (seen, address), count in list(self.handler.by_subject.items())
                if seen == subject
            }
        )

    def first_arrival_after(self, moment: float, subject: str) -> float | None:
        for arrived, seen in list(self.handler.arrivals):
            if arrived >= moment and seen == subject:
                return arrived
        return None

    def start(self) -> "SmtpSink":
        self.controller = _Controller(
            self.handler, hostname="127.0.0.1", port=self.port, ready_timeout=10
        )
        self.controller.start()
        return self

    def stop(self) -> None:
        """Connections are refused until start() again."""
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def set_mode(self, mode: str) -> None:
        assert mode in {"accept", "refuse-recipients", "drop", "greet-421"}
        self.handler.mode = mode
