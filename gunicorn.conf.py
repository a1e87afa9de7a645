"""gunicorn settings for production-style serving: ``make serve``, or
``gunicorn -c gunicorn.conf.py wsgi:app``. Every setting comes from the environment:

* ``WEB_CONCURRENCY``: worker processes (default: 2 per core, plus one);
* ``GUNICORN_THREADS``: threads per worker (default 1: sync workers);
* ``BIND``: the address (default ``127.0.0.1:8000``; behind a proxy on another host,
  ``0.0.0.0:8000``);
* ``GUNICORN_TIMEOUT``: seconds before a stuck worker is restarted (default 60);
* ``FORWARDED_ALLOW_IPS``: the proxies whose ``X-Forwarded-*`` headers are trusted.

Access lines are JSON, like the application's own log lines (``LOG_FORMAT``),
and carry the request id the application echoes in ``X-Request-ID``.
"""
import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = _int("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)
threads = _int("GUNICORN_THREADS", 1)
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so that a slow leak never grows without bound (not too
# often: a new worker imports the app again and starts with an empty page cache).
max_requests = _int("GUNICORN_MAX_REQUESTS", 20000)
max_requests_jitter = max_requests // 10
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# GUNICORN_ACCESS_LOG=off leaves access lines out (a proxy in front often writes them).
access_log_on = os.environ.get("GUNICORN_ACCESS_LOG", "on").lower() != "off"
accesslog = "-" if access_log_on else None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# One JSON object per access line, built with json.dumps (core/gunicorn_logging.py),
# carrying the request id the application echoes in X-Request-ID.
logger_class = "alliance.core.gunicorn_logging.JsonAccessLogger"

# gunicorn's own lines (start, worker restarts) as JSON too; access lines are
# already JSON (the format above) and pass through as they are.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "raw": {"format": "%(message)s"},
    },
    "handlers": {
        "error": {"class": "logging.StreamHandler", "formatter": "json",
                  "stream": "ext://sys.stderr"},
        "access": {"class": "logging.StreamHandler", "formatter": "raw",
                   "stream": "ext://sys.stdout"},
    },
    # The application installs its own handler on the root logger (alliance.core.logs).
    "root": {"level": loglevel.upper(), "handlers": []},
    "loggers": {
        "gunicorn.error": {"handlers": ["error"], "level": loglevel.upper(), "propagate": False},
        "gunicorn.access": {"handlers": ["access"] if access_log_on else [],
                            "level": "INFO" if access_log_on else "CRITICAL",
                            "propagate": False},
    },
}
