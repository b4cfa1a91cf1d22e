"""The local web server: every app on one ``127.0.0.1`` port, with isolated state per tenant.

One :class:`WebServer` (a stdlib ``ThreadingHTTPServer`` in a thread, HTTP/1.1 keep-alive) hosts the shop,
booking and mail apps under ``/shop/``, ``/booking/`` and ``/mail/``. Each env is a *tenant*: it gets a
random session token that its client sends as the ``rgw_session`` cookie, and its own copy of every app's
state, so parallel rollouts never see each other's carts or orders. :meth:`WebServer.snapshot` /
:meth:`WebServer.restore` copy a tenant's state, which makes ``reset`` a dictionary swap, not a restart.

Envs share one server per process through :func:`acquire_server` / :func:`release_server` (reference
counted); the last release shuts it down, closes the port and joins every thread it started.

Example:
    >>> server = acquire_server()
    >>> tenant = server.create_tenant()
    >>> server.state(tenant, "shop")["orders"]
    []
    >>> release_server(server)
"""

from __future__ import annotations

import contextlib
import copy
import secrets
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from rewardgym.envs.web.apps.site import App, Request, Response, esc

__all__ = ["COOKIE", "WebServer", "acquire_server", "app_class", "release_server"]

COOKIE = "rgw_session"
_MAX_BODY = 1 << 20


def app_class(name: str) -> type[App]:
    """The :class:`~rewardgym.envs.web.apps.site.App` subclass serving ``/<name>/``."""
    from rewardgym.envs.web.apps.booking import BookingApp
    from rewardgym.envs.web.apps.mail import MailApp
    from rewardgym.envs.web.apps.shop import ShopApp

    apps: dict[str, type[App]] = {"shop": ShopApp, "booking": BookingApp, "mail": MailApp}
    return apps[name]


class _Tenant:
    def __init__(self, world_seed: int) -> None:
        self.world_seed = world_seed
        self.states: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = 120
    server_version = "rewardgym-web/0"
    server: _HTTPServer

    def do_GET(self) -> None:
        self.server.web._dispatch(self, "GET")

    def do_POST(self) -> None:
        self.server.web._dispatch(self, "POST")

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _HTTPServer(ThreadingHTTPServer):
    # Daemon connection threads never hold up interpreter exit (an env that was not closed); close() still
    # shuts their sockets and joins them.
    daemon_threads = True
    web: WebServer

    def __init__(self, web: WebServer) -> None:
        self.web = web
        self.open_sockets: set[socket.socket] = set()
        self.connections: list[threading.Thread] = []
        self.sockets_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            daemon=True,
            name=f"rewardgym-web-conn:{self.server_address[1]}",
        )
        with self.sockets_lock:
            self.open_sockets.add(request)
            self.connections = [t for t in self.connections if t.is_alive()] + [thread]
        thread.start()

    def shutdown_request(self, request: Any) -> None:
        with self.sockets_lock:
            self.open_sockets.discard(request)
        super().shutdown_request(request)


class WebServer:
    """Serve every app on ``127.0.0.1:<ephemeral port>`` with per-tenant state.

    Prefer :func:`acquire_server` (shared, reference counted) over constructing one directly.
    """

    def __init__(self) -> None:
        self._apps: dict[tuple[str, int], App] = {}
        self._initial: dict[tuple[str, int], dict[str, Any]] = {}
        self._tenants: dict[str, _Tenant] = {}
        self._lock = threading.Lock()
        self._httpd = _HTTPServer(self)
        self.port: int = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, name=f"rewardgym-web:{self.port}")
        self._thread.daemon = True
        self._thread.start()
        self.closed = False

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    def app(self, name: str, world_seed: int = 0) -> App:
        """The app ``name`` built from ``world_seed`` (built once, then cached)."""
        key = (name, int(world_seed))
        with self._lock:
            if key not in self._apps:
                app = app_class(name)(world_seed)
                self._apps[key] = app
                self._initial[key] = app.initial_state()
            return self._apps[key]

    # ---- tenants -------------------------------------------------------------------------------------
    def create_tenant(self, world_seed: int = 0) -> str:
        """A new isolated session; returns its token (the value of the ``rgw_session`` cookie)."""
        token = secrets.token_hex(12)
        with self._lock:
            self._tenants[token] = _Tenant(int(world_seed))
        return token

    def drop_tenant(self, token: str) -> None:
        """Forget a session and its state."""
        with self._lock:
            self._tenants.pop(token, None)

    def _tenant(self, token: str) -> _Tenant:
        with self._lock:
            return self._tenants[token]

    def state(self, token: str, app: str) -> dict[str, Any]:
        """The live state of ``app`` for a tenant (created from the app's initial state on first use)."""
        tenant = self._tenant(token)
        with tenant.lock:
            return self._state_locked(tenant, app)

    def _state_locked(self, tenant: _Tenant, app: str) -> dict[str, Any]:
        if app not in tenant.states:
            self.app(app, tenant.world_seed)
            tenant.states[app] = copy.deepcopy(self._initial[(app, tenant.world_seed)])
        return tenant.states[app]

    def outcome(self, token: str, app: str) -> dict[str, Any]:
        """What tasks on ``app`` are graded on, as a detached copy (see :meth:`App.outcome`)."""
        tenant = self._tenant(token)
        with tenant.lock:
            state = self._state_locked(tenant, app)
            instance = self.app(app, tenant.world_seed)
            return copy.deepcopy({**instance.outcome(state), "committed": instance.committed(state)})

    def snapshot(self, token: str) -> dict[str, dict[str, Any]]:
        """A detached copy of every app state of a tenant."""
        tenant = self._tenant(token)
        with tenant.lock:
            return copy.deepcopy(tenant.states)

    def restore(self, token: str, snapshot: dict[str, dict[str, Any]] | None = None) -> None:
        """Put a tenant back to ``snapshot`` (default: the apps' initial states)."""
        tenant = self._tenant(token)
        with tenant.lock:
            tenant.states = copy.deepcopy(snapshot) if snapshot is not None else {}

    # ---- HTTP ----------------------------------------------------------------------------------------
    def _dispatch(self, h: _Handler, method: str) -> None:
        try:
            response = self._respond(h, method)
        except Exception as exc:  # a bug in an app page is a 500 page, never a dead connection
            response = Response(500, f"<h1>Server error</h1><p>{esc(type(exc).__name__)}: {esc(exc)}</p>")
        body = response.body.encode("utf-8")
        h.send_response(response.status)
        h.send_header("Content-Type", response.content_type)
        h.send_header("Content-Length", str(len(body)))
        h.send_header("Cache-Control", "no-store")
        for k, v in response.headers.items():
            h.send_header(k, v)
        h.end_headers()
        if method != "HEAD" and body:
            h.wfile.write(body)

    def _respond(self, h: _Handler, method: str) -> Response:
        parts = urlsplit(h.path)
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(min(length, _MAX_BODY)) if length else b""
        if parts.path in ("/favicon.ico", "/robots.txt"):
            return Response(404, "", content_type="text/plain")
        segments = parts.path.split("/", 2)
        name = segments[1] if len(segments) > 1 else ""
        try:
            app_class(name)
        except KeyError:
            return Response(
                404,
                "<h1>Not found</h1><p>Apps: <a href='/shop/'>shop</a>, "
                "<a href='/booking/'>booking</a>, <a href='/mail/'>mail</a></p>",
            )
        token = _cookie(h.headers.get("Cookie", ""), COOKIE)
        with self._lock:
            tenant = self._tenants.get(token or "")
        if tenant is None:
            return Response(403, "<h1>No session</h1><p>This site serves rewardgym environments only.</p>")
        req = Request(
            method=method,
            path="/" + (segments[2] if len(segments) > 2 else ""),
            query=parse_qs(parts.query, keep_blank_values=True),
            form=parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True) if method == "POST" else {},
        )
        app = self.app(name, tenant.world_seed)
        with tenant.lock:
            return app.handle(req, self._state_locked(tenant, name))

    def close(self) -> None:
        """Stop serving, close the port and every open connection, and join the server's threads."""
        if self.closed:
            return
        self.closed = True
        self._httpd.shutdown()
        with self._httpd.sockets_lock:
            open_sockets = list(self._httpd.open_sockets)
        for sock in open_sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._httpd.server_close()
        with self._httpd.sockets_lock:
            connections = list(self._httpd.connections)
        for thread in [*connections, self._thread]:
            thread.join(timeout=10)


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


_shared_lock = threading.Lock()
_shared: WebServer | None = None
_shared_refs = 0


def acquire_server() -> WebServer:
    """The process-wide shared server, started on first use; pair every call with :func:`release_server`."""
    global _shared, _shared_refs
    with _shared_lock:
        if _shared is None or _shared.closed:
            _shared = WebServer()
            _shared_refs = 0
        _shared_refs += 1
        return _shared


def release_server(server: WebServer) -> None:
    """Drop one reference to ``server``; the last one shuts it down."""
    global _shared, _shared_refs
    with _shared_lock:
        if server is not _shared:
            server.close()
            return
        _shared_refs -= 1
        if _shared_refs <= 0:
            _shared = None
            _shared_refs = 0
            server.close()
