"""Structured logs: JSON lines carrying the request's id, and gunicorn's settings."""
from __future__ import annotations

import json
import logging
import runpy
from pathlib import Path

from alliance.config import load_config
from alliance.core.logs import RequestContext, formatter

GUNICORN_CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def _format(log_format: str, message: str) -> str:
    record = logging.LogRecord("alliance.test", logging.WARNING, __file__, 1, message, (), None)
    RequestContext().filter(record)
    return formatter(log_format).format(record)


def test_json_line_carries_the_request_id_method_and_path(app):
    with app.test_request_context("/challenges/?q=x", method="POST",
                                  headers={"X-Request-ID": "proxy-42"}):
        app.preprocess_request()
        line = json.loads(_format("json", "città salvata"))
    assert line["message"] == "città salvata"
    assert (line["level"], line["logger"]) == ("WARNING", "alliance.test")
    assert (line["request_id"], line["method"], line["path"]) == ("proxy-42", "POST",
                                                                  "/challenges/")
    assert "time" in line


def test_json_line_outside_a_request_has_no_request_fields(app):
    line = json.loads(_format("json", "cron ran"))
    assert (line["request_id"], line["method"], line["path"]) == ("-", None, None)


def test_text_line_names_the_request(app):
    with app.test_request_context("/", headers={"X-Request-ID": "abc"}):
        app.preprocess_request()
        assert "[abc]: hello" in _format("text", "hello")


def test_response_echoes_a_plain_request_id(client):
    response = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a"})
    assert response.headers["X-Request-ID"] == "lb-7f3a"


def test_unsafe_request_id_is_replaced_by_a_new_one(client):
    response = client.get("/healthz", headers={"X-Request-ID": "evil\" id <script>"})
    echoed = response.headers["X-Request-ID"]
    assert echoed != "evil\" id <script>" and len(echoed) == 32 and echoed.isalnum()
    assert client.get("/healthz").headers["X-Request-ID"] != echoed


def test_production_logs_json_by_default(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    assert load_config()["LOG_FORMAT"] == "json"
    monkeypatch.setenv("APP_ENV", "development")
    assert load_config()["LOG_FORMAT"] == "text"


def test_gunicorn_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    monkeypatch.setenv("BIND", "0.0.0.0:9000")
    settings = runpy.run_path(str(GUNICORN_CONF))
    assert (settings["workers"], settings["bind"]) == (4, "0.0.0.0:9000")
    assert settings["logger_class"] == "alliance.core.gunicorn_logging.JsonAccessLogger"


def test_gunicorn_access_line_is_json_whatever_the_request(caplog):
    from datetime import timedelta
    from types import SimpleNamespace

    from gunicorn.config import Config

    from alliance.core.gunicorn_logging import JsonAccessLogger

    config = Config()
    config.set("accesslog", "-")
    logger = JsonAccessLogger(config)
    hostile = 'a\\", "forged": "1'
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": "/a%22b", "SERVER_PROTOCOL": "HTTP/1.1",
               "PATH_INFO": '/a"b\\c', "QUERY_STRING": "q=\\", "REMOTE_ADDR": "127.0.0.1",
               "HTTP_USER_AGENT": hostile}
    response = SimpleNamespace(status="200 OK", sent=12,
                               headers=[("X-Request-ID", "r-9")])
    request = SimpleNamespace(headers=[("User-Agent", hostile)])
    lines = []
    logger.access_log.info = lambda fmt, *args: lines.append(fmt % args)

    logger.access(response, request, environ, timedelta(milliseconds=7))

    line = json.loads(lines[0])
    assert line["user_agent"] == hostile and "forged" not in line
    assert (line["status"], line["request_id"], line["path"]) == (200, "r-9", '/a"b\\c')
