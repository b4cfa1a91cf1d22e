"""The local web server: per-session isolation, snapshot/restore, loopback-only binding, clean shutdown."""

from __future__ import annotations

import http.client
import json
import socket
import threading

import pytest

from rewardgym.envs.web.apps.server import COOKIE, WebServer, acquire_server, release_server
from rewardgym.envs.web.env import WebEnv


def _get(port: int, path: str, session: str | None) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"Cookie": f"{COOKIE}={session}"} if session else {})
        resp = conn.getresponse()
        return resp.status, resp.read().decode()
    finally:
        conn.close()


def test_two_envs_acting_concurrently_keep_separate_state() -> None:
    envs = [WebEnv("shop"), WebEnv("shop")]
    assert envs[0]._server is envs[1]._server  # one shared server, two sessions
    tasks = [envs[0].generator.sample(s, "train") for s in (21, 22)]
    assert tasks[0].params != tasks[1].params
    results: dict[int, tuple[float, dict]] = {}
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def worker(i: int) -> None:
        try:
            env, expert = envs[i], envs[i].generator.expert(tasks[i])
            obs, _ = env.reset(options={"task": tasks[i]})
            barrier.wait()
            while True:
                obs, reward, terminated, truncated, info = env.step(expert(obs))
                if terminated or truncated:
                    results[i] = (reward, info)
                    return
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    try:
        assert not errors, errors
        for i in range(2):
            reward, info = results[i]
            orders = json.loads(info["web_outcome"])["orders"]
            assert reward == 1.0 and len(orders) == 1, "each session sees only its own order"
            item = orders[0]["items"][0]
            assert (item["color"], item["size"], orders[0]["name"]) == (
                tasks[i].params["color"],
                tasks[i].params["size"],
                tasks[i].params["name"],
            )
        # an item put in one session's cart never shows in the other's
        envs[0].reset(seed=1)
        envs[1].reset(seed=1)
        envs[0].step('goto("/shop/product/P1000")')
        envs[0].step("click(6)")
        assert "Your cart is empty." not in envs[0]._page_text()
        obs, *_ = envs[1].step('goto("/shop/cart")')
        assert "Your cart is empty." in obs["page"]
    finally:
        for env in envs:
            env.close()


def test_snapshot_and_restore() -> None:
    server = acquire_server()
    try:
        session = server.create_tenant()
        server.state(session, "shop")["cart"].append({"id": "P1000", "size": "S", "qty": 1})
        snap = server.snapshot(session)
        server.state(session, "shop")["cart"].clear()
        server.restore(session, snap)
        assert len(server.state(session, "shop")["cart"]) == 1
        snap["shop"]["cart"].clear()  # snapshots are detached copies
        assert len(server.state(session, "shop")["cart"]) == 1
        server.restore(session)
        assert server.state(session, "shop")["cart"] == []
    finally:
        release_server(server)


def test_requests_need_a_live_session_cookie() -> None:
    server = acquire_server()
    try:
        session = server.create_tenant()
        assert _get(server.port, "/shop/cart", session)[0] == 200
        status, body = _get(server.port, "/shop/cart", None)
        assert status == 403 and "No session" in body
        assert _get(server.port, "/shop/cart", "forged")[0] == 403
        server.drop_tenant(session)
        assert _get(server.port, "/shop/cart", session)[0] == 403
        assert _get(server.port, "/nowhere/", None)[0] == 404
    finally:
        release_server(server)


def test_binds_loopback_only_on_an_ephemeral_port() -> None:
    server = WebServer()
    try:
        host, port = server._httpd.server_address[:2]
        assert host == "127.0.0.1" and port not in (0, 80, 8080)
        assert server.base_url == f"http://127.0.0.1:{port}"
    finally:
        server.close()


def test_closing_the_last_env_stops_the_server_and_its_threads() -> None:
    before = {t.ident for t in threading.enumerate()}
    env_a, env_b = WebEnv("mail"), WebEnv("booking")
    env_a.reset(seed=0)
    env_b.reset(seed=0)
    env_a.step("click(2)")
    port = env_a._server.port
    env_a.close()
    assert _get(port, "/mail/", env_b._session)[0] == 200, "still serving the other env"
    env_b.close()
    env_b.close()  # idempotent
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2)
    leftover = [t for t in threading.enumerate() if t.ident not in before]
    assert leftover == [], leftover
