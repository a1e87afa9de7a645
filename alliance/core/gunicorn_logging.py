"""gunicorn's access lines as JSON objects, built with ``json.dumps`` (a format
string cannot escape a backslash or a quote in a path or a User-Agent)."""
from __future__ import annotations

import json
import traceback

from gunicorn import glogging


class JsonAccessLogger(glogging.Logger):
    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        atoms = self.atoms(resp, req, environ, request_time)
        status = str(atoms.get("s", "-"))
        line = {
            "time": atoms.get("t"), "logger": "gunicorn.access",
            "remote_addr": atoms.get("h"), "method": atoms.get("m"),
            "path": atoms.get("U"), "query": atoms.get("q"),
            "status": int(status) if status.isdigit() else status,
            "bytes": atoms.get("B"), "duration_ms": atoms.get("M"),
            "request_id": atoms.get("{x-request-id}o", "-"),
            "user_agent": atoms.get("a"),
        }
        try:
            self.access_log.info("%s", json.dumps(line, ensure_ascii=False))
        except Exception:
            self.error(traceback.format_exc())
