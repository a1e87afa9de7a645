"""Rate limits in Redis (``RATELIMIT_STORAGE_URI=redis://...``), as on several hosts:
the README's deployment must work, so the client library must be installed and the
counters must live in Redis. Run in a child process, because the limiter is one
object per process and the test app keeps its in-memory storage."""
from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

CHILD = r"""
import sys, redis
from alliance import create_app
from alliance.extensions import db
import flask_migrate

url, prefix, database = sys.argv[1], sys.argv[2], sys.argv[3]
app = create_app({
    "TESTING": True, "SQLALCHEMY_DATABASE_URI": database, "SEARCH_STARTUP_CHECK": False,
    "RATELIMIT_STORAGE_URI": url, "RATELIMIT_KEY_PREFIX": prefix,
    "LOGIN_RATE_LIMIT": "3 per minute", "WTF_CSRF_ENABLED": False,
})
with app.app_context():
    flask_migrate.upgrade()
codes = []
for host in range(2):  # two clients, as two app servers would see them
    client = app.test_client()
    for _ in range(2):
        codes.append(client.post("/auth/login", data={"email": "x@example.org",
                                                      "password": "wrong"}).status_code)
keys = redis.Redis.from_url(url).keys("*" + prefix + "*")
print(codes, len(keys))
"""


def _redis_up() -> bool:
    import redis

    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        return False


@pytest.mark.skipif(not _redis_up(), reason=f"no Redis server at {REDIS_URL}")
def test_login_limit_counts_in_redis_across_clients(tmp_path):
    import redis

    prefix = f"alliance-test-{uuid.uuid4().hex}"
    env = dict(os.environ, INSTANCE_PATH=str(tmp_path), SEARCH_STARTUP_CHECK="0")
    result = subprocess.run(
        [sys.executable, "-c", CHILD, REDIS_URL, prefix, f"sqlite:///{tmp_path / 'db.sqlite'}"],
        capture_output=True, text=True, env=env, timeout=120, check=False)
    try:
        assert result.returncode == 0, result.stderr[-2000:]
        codes, keys = result.stdout.strip().splitlines()[-1].rsplit(" ", 1)
        assert codes == "[422, 422, 422, 429]"  # wrong password: the form again, then refused
        assert int(keys) >= 1  # the counter lives in Redis
    finally:
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.keys("*" + prefix + "*"):
            client.delete(key)
