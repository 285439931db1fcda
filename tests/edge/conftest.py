"""A local HTTP server that records what it is sent: the purge APIs' stand-in."""

import json
import threading
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: Message  # case-insensitive, as HTTP headers are
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class RecordingServer:
    """Answers every request with `status` and `body`, and keeps each request."""

    url: str = ""
    status: int = 200
    body: bytes = b'{"status": "ok", "success": true}'
    requests: list[RecordedRequest] = field(default_factory=list)


@pytest.fixture
def recording_server():
    recorder = RecordingServer()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self):
            length = int(self.headers.get("Content-Length") or 0)
            recorder.requests.append(
                RecordedRequest(
                    method=self.command,
                    path=self.path,
                    headers=self.headers,
                    body=self.rfile.read(length),
                )
            )
            self.send_response(recorder.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(recorder.body)))
            self.end_headers()
            self.wfile.write(recorder.body)

        do_GET = do_POST = do_PURGE = _answer

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    recorder.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield recorder
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def closed_port_url():
    """The address of a port nothing listens on."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
