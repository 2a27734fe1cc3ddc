"""The README's deployment, for real: Debian's nginx terminating TLS (a certificate made here)
in front of `igrs serve`, and Chromium signing a supervisor in through it, second factor
included, and filing a complaint on the 1076 console. Every POST passes the CSRF origin check
only because the proxy is trusted and the public URL is https; the cookies are secure and the
pages carry HSTS and CSP."""

import os
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.db import connection
from playwright.sync_api import expect

from igrs.grievances.models import Complaint

from .conftest import staff, totp_code
from .test_journey_browser import fill_complaint

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.environ.get("IGRS_DATABASE_URL", "").startswith("postgres"),
        reason="a server in another process needs a shared database: run in the PostgreSQL pass",
    ),
]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
START_SECONDS = 60


def _free_port() -> int:
    from bench.server import free_port

    return free_port()


def _certificate(where: Path) -> tuple[Path, Path]:
    cert, key = where / "cert.pem", where / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost"]
        + ["-addext", "subjectAltName=DNS:localhost"],
        check=True,
        capture_output=True,
    )
    return cert, key


NGINX_CONF = """
daemon off;
worker_processes 1;
user root;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log;
events {{ worker_connections 64; }}
http {{
  access_log off;
  client_body_temp_path {tmp}/body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
  client_max_body_size 25m;
  server {{
    listen 127.0.0.1:{port} ssl;
    server_name localhost;
    ssl_certificate {cert};
    ssl_certificate_key {key};
    location / {{
      proxy_pass http://127.0.0.1:{app_port};
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }}
  }}
}}
"""


def _wait_for(url: str, process: subprocess.Popen, context=None) -> None:
    deadline = time.monotonic() + START_SECONDS
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=5, context=context).close()
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


@pytest.fixture
def behind_nginx(tmp_path, reseeded):
    """https://localhost:<port> — nginx with TLS, proxying to `igrs serve` on the test
    database."""
    if not Path(NGINX).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("nginx not found (apt-get install nginx)")
        pytest.skip("nginx not found (apt-get install nginx)")
    app_port, tls_port = _free_port(), _free_port()
    public = f"https://localhost:{tls_port}"
    database = connection.settings_dict
    env = {
        **os.environ,
        "IGRS_DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:"
        f"{database['PORT']}/{database['NAME']}",
        "IGRS_PUBLIC_URL": public,
        "IGRS_TRUSTED_PROXY": "1",
        "IGRS_VAR_DIR": str(tmp_path / "var"),
        "IGRS_SERVE_STATIC": "1",
        "IGRS_WEB_WORKERS": "1",
        "IGRS_ACCESS_LOG": "0",
        "IGRS_SMS_FILE": str(tmp_path / "sms.log"),
    }
    igrs = [sys.executable, "-m", "igrs.cli"]
    subprocess.run([*igrs, "collectstatic", "--no-input", "-v0"], env=env, check=True)
    server = subprocess.Popen(
        [*igrs, "serve", "--bind", f"127.0.0.1:{app_port}"], env=env, start_new_session=True
    )
    cert, key = _certificate(tmp_path)
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        NGINX_CONF.format(tmp=tmp_path, port=tls_port, app_port=app_port, cert=cert, key=key)
    )
    proxy = subprocess.Popen(
        [NGINX, "-e", str(tmp_path / "nginx-error.log"), "-p", str(tmp_path), "-c", str(conf)],
        start_new_session=True,
    )
    try:
        # Plain HTTP is redirected to HTTPS except delivery reports: one of those (404) says
        # the server is up.
        _wait_for(f"http://127.0.0.1:{app_port}/sms/dlr/0/x/", server)
        _wait_for(f"{public}/", proxy, ssl._create_unverified_context())
        yield public
    finally:
        _stop(proxy)
        _stop(server)


def test_a_supervisor_signs_in_and_files_through_nginx_terminating_tls(browser, behind_nginx):
    sunita = staff("sunita", "agent", "supervisor")
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, base_url=behind_nginx, ignore_https_errors=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    first = page.goto("/callcentre/")
    assert first.headers["strict-transport-security"].startswith("max-age=")

    page.get_by_label("लॉगिन").fill("sunita")
    page.get_by_label("पासवर्ड").fill("demo")
    page.get_by_role("button", name="साइन इन").click()
    # The second factor, a POST through the proxy too.
    page.get_by_label("ऑथेंटिकेटर ऐप का कोड").fill(totp_code(sunita))
    page.get_by_role("button", name="आगे बढ़ें").click()
    expect(page.get_by_label("कॉल करने वाले का मोबाइल नंबर")).to_be_visible()
    cookies = {cookie["name"]: cookie for cookie in context.cookies()}
    assert cookies["sessionid"]["secure"] and cookies["csrftoken"]["secure"]

    page.get_by_label("कॉल करने वाले का मोबाइल नंबर").fill("9811100033")
    fill_complaint(page, "तीसरा कॉलर", "पड़ोसी ने रास्ते पर कब्ज़ा कर लिया है।")
    page.get_by_role("button", name="शिकायत दर्ज करें").click()
    expect(page.get_by_role("status").first).to_contain_text("संदर्भ संख्या")
    complaint = Complaint.objects.get(mobile="+919811100033")
    assert complaint.registered_by_id == sunita.pk
    context.close()
