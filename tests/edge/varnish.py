"""A real varnishd with deploy/varnish/default.vcl in front of a test origin.

Each Varnish runs in the foreground on a free port with its own work directory,
and is killed at the end. Between it and the origin sits a small TCP relay the test
can stop and start again: stopped, the origin's port refuses connections, as a dead
gunicorn's would.
"""

import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

VARNISHD = shutil.which("varnishd") or "/usr/sbin/varnishd"
VCL = Path(__file__).resolve().parents[2] / "deploy" / "varnish" / "default.vcl"


def varnish_or_skip() -> str:
    """The varnishd binary; without one the test is skipped, except in CI."""
    if os.path.exists(VARNISHD):
        return VARNISHD
    if os.environ.get("CI"):
        pytest.fail(
            "varnishd is required in CI (apt-get install varnish varnish-modules)"
        )
    pytest.skip("varnishd not installed (apt-get install varnish varnish-modules)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Relay:
    """Forwards TCP connections from its own port to the origin's, until stopped."""

    def __init__(self, origin_port: int):
        self.origin_port = origin_port
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._connections: list[socket.socket] = []

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        deadline = time.monotonic() + 5
        while True:
            try:
                listener.bind(("127.0.0.1", self.port))
                break
            except OSError:
                # The stopped listener's accept thread may not have let go yet.
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        """Close the port and every open connection: the origin is gone."""
        if self._listener:
            # shutdown() wakes the thread blocked in accept(); close() alone
            # leaves the port listening until that accept() returns.
            try:
                self._listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._listener.close()
            self._listener = None
        for connection in self._connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            connection.close()
        self._connections.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            origin = socket.create_connection(("127.0.0.1", self.origin_port))
            self._connections += [client, origin]
            for source, target in ((client, origin), (origin, client)):
                threading.Thread(
                    target=self._pipe, args=(source, target), daemon=True
                ).start()

    @staticmethod
    def _pipe(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


class Varnish:
    """varnishd -F with the shipped VCL, its backend pointed at `backend_port`."""

    def __init__(self, workdir: Path, backend_port: int):
        self.binary = varnish_or_skip()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workdir = workdir
        vcl = VCL.read_text().replace('.port = "8000"', f'.port = "{backend_port}"')
        self.vcl = workdir / "test.vcl"
        self.vcl.write_text(vcl)
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "-F",
                "-a",
                f"127.0.0.1:{self.port}",
                "-f",
                str(self.vcl),
                "-s",
                "malloc,64m",
                "-n",
                str(self.workdir / "varnish"),
                # No jail: the child keeps our user, who can read the test's files.
                "-j",
                "none",
                "-p",
                "thread_pool_min=10",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(self.process.stderr.read().decode())
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("varnishd did not start in 20 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
