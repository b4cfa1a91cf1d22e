"""A local OpenAI chat-completions stub server for tests (a test double at the HTTP boundary).

It listens on 127.0.0.1 on a free port, answers ``POST /v1/chat/completions`` deterministically from the
request (so tests can check what was sent), and can be told to fail, stall or ignore ``n``.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class StubState:
    """What the stub does next and what it has seen."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.fail_next: list[int] = []  # HTTP status codes to return, one per request, before succeeding
        self.delay_next: list[float] = []  # seconds to stall, one per request
        self.max_choices: int | None = None  # cap on choices per reply (a server that ignores n)
        self.lock = threading.Lock()


def _answer(body: dict[str, Any], i: int) -> str:
    last = body["messages"][-1]["content"]
    return (
        f"echo:{last}|i={i}|seed={body.get('seed')}|t={body.get('temperature')}|max={body.get('max_tokens')}"
    )


def start_stub() -> tuple[ThreadingHTTPServer, StubState, str]:
    """Start the stub in a daemon thread; returns (server, state, base_url). Call ``server.shutdown()``."""
    state = StubState()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep test output clean
            pass

        def do_POST(self) -> None:
            if self.path != "/v1/chat/completions":
                self.send_error(404, "unknown path")
                return
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with state.lock:
                state.requests.append(body)
                state.headers.append(dict(self.headers))
                status = state.fail_next.pop(0) if state.fail_next else 200
                delay = state.delay_next.pop(0) if state.delay_next else 0.0
            if delay:
                time.sleep(delay)
            if status != 200:
                payload = json.dumps({"error": {"message": f"stub failure {status}"}}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                return
            n = int(body.get("n", 1))
            if state.max_choices is not None:
                n = min(n, state.max_choices)
            reply = {
                "id": "chatcmpl-stub",
                "object": "chat.completion",
                "model": body["model"],
                "choices": [
                    {
                        "index": i,
                        "message": {"role": "assistant", "content": _answer(body, i)},
                        "finish_reason": "stop",
                    }
                    for i in range(n)
                ],
            }
            payload = json.dumps(reply).encode()
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (the timeout test): nothing to answer

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, state, f"http://127.0.0.1:{server.server_address[1]}/v1"
