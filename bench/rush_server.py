"""gunicorn in a child process, and a small HTTP client with a cookie jar (the
standard library only), for the deadline-rush benchmark and the worker-killed test.

The server is started in a session of its own and is always stopped by its
process id (``stop``): SIGTERM to the master, then SIGKILL to its group.
"""
from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
_CSRF = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')
_VALUE = re.compile(r'value="([^"]*)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(*, database_url: str, instance: Path, search_backend: str, port: int,
               workers: int, **extra: str) -> dict[str, str]:
    """The environment of a gunicorn serving ``database_url`` from ``instance``."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DATABASE_URL", "SEARCH_", "WHOOSH_", "TEST_DATABASE_URL"))}
    env.update({
        "APP_ENV": "development",
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(instance),
        "SEARCH_BACKEND": search_backend,
        "WHOOSH_INDEX_DIR": str(instance / "search"),
        "UPLOAD_FOLDER": str(instance / "uploads"),
        "MAIL_FILE_PATH": str(instance / "mail"),
        "RATELIMIT_ENABLED": "false",
        "WEB_CONCURRENCY": str(workers),
        "BIND": f"127.0.0.1:{port}",
        "LOG_LEVEL": "warning",
        "PYTHONUNBUFFERED": "1",
    })
    env.update(extra)
    return env


class Server:
    """``gunicorn -c gunicorn.conf.py wsgi:app`` with ``env``; its output goes to ``log``."""

    def __init__(self, env: dict[str, str], log: Path):
        self.env = env
        self.port = int(env["BIND"].rsplit(":", 1)[1])
        self.log_path = log
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60.0) -> Server:
        self._log = open(self.log_path, "ab")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=PROJECT_ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.process.returncode}); see {self.log_path}")
            try:
                if request(self.port, "GET", "/healthz", timeout=2)[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer /healthz in {timeout} s; see {self.log_path}")

    def worker_pids(self) -> list[int]:
        """The master's children (its workers), from /proc."""
        if self.process is None:
            return []
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                pids.append(int(entry.name))
        return pids

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                pass
        try:  # whatever is left of the group this server started (its workers)
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait()
        self._log.close()
        self.process = None

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def request(port: int, method: str, path: str, *, body: bytes | None = None,
            headers: dict[str, str] | None = None, timeout: float = 30.0):
    """One request on a new connection: ``(status, headers, body)``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.msg, response.read()
    finally:
        conn.close()


class Client:
    """One browser: its cookies, its CSRF token."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Accept-Language": "en"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        headers.update(extra or {})
        return headers

    def _remember(self, response_headers) -> None:
        for line in response_headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(line)
            for name, morsel in jar.items():
                expired = "1970" in (morsel["expires"] or "") or morsel["max-age"] == "0"
                if expired or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def _note_csrf(self, body: bytes) -> None:
        match = _CSRF.search(body.decode("utf-8", "replace"))
        if match:
            value = _VALUE.search(match.group(0))
            if value:
                self.csrf = value.group(1)

    def get(self, path: str, timeout: float = 30.0):
        status, headers, body = request(self.port, "GET", path, headers=self._headers(),
                                        timeout=timeout)
        self._remember(headers)
        self._note_csrf(body)
        return status, headers, body

    def post(self, path: str, form: dict[str, str], timeout: float = 30.0):
        data = urllib.parse.urlencode({**form, "csrf_token": self.csrf}).encode()
        status, headers, body = request(
            self.port, "POST", path, body=data, timeout=timeout,
            headers=self._headers({"Content-Type": "application/x-www-form-urlencoded"}))
        self._remember(headers)
        return status, headers, body

    def login(self, email: str, password: str) -> None:
        self.get("/auth/login")
        status, headers, _ = self.post("/auth/login", {"email": email, "password": password})
        if status != 302:
            raise RuntimeError(f"login of {email} answered {status}")
