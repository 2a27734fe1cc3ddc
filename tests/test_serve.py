"""`igrs serve`, the web server a deployment runs (granian over the WSGI application): it
answers the portal and the API on one kept-alive connection and stops on SIGTERM."""

import http.client
import json
import os
import signal
import subprocess
import sys
import time

from bench.server import free_port

START_SECONDS = 60


def test_igrs_serve_answers_the_portal_and_the_api_then_stops(tmp_path):
    env = {
        **os.environ,
        "IGRS_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        "IGRS_WEB_WORKERS": "1",
        "IGRS_WEB_THREADS": "2",
        "IGRS_ACCESS_LOG": "0",
    }
    subprocess.run([sys.executable, "-m", "igrs.cli", "migrate", "-v0"], env=env, check=True)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "igrs.cli", "serve", "--bind", f"127.0.0.1:{port}"],
        env=env,
        start_new_session=True,
    )
    try:
        connection = _connect(port)
        connection.request("GET", "/api/v1/complaints/0")
        refused = connection.getresponse()
        assert refused.status == 401
        assert json.loads(refused.read())["code"] == "not_authenticated"
        connection.request("GET", "/")  # the same connection: kept alive
        portal = connection.getresponse()
        page = portal.read().decode()
        assert portal.status == 200 and "शिकायत" in page
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        assert server.wait(timeout=30) is not None


def _connect(port: int) -> http.client.HTTPConnection:
    deadline = time.monotonic() + START_SECONDS
    while True:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            connection.connect()
            return connection
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
