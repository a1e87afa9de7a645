"""HTTP benchmark: ``python -m bench.http``; prints one JSON object.

1. The scaled data set (``bench.http_data``: 10,000 challenges, 100,000 proposals,
   20,000 start-ups and their Whoosh index), built once and kept under ``/tmp``.
2. The application served by gunicorn with 2 workers (``bench/http_gunicorn.py``:
   the committed ``gunicorn.conf.py`` with the access log off, rate limits off,
   ``APP_ENV=production``), and a bare hello-world Flask route
   (``bench/http_hello.py``) served the same way, on 127.0.0.1.
3. The same client (``bench.http_load``: separate processes, ``--clients``
   concurrent connections) measures hello-world, then each page for ``--seconds``
   after a ``--warmup``, then hello-world again (``hello_rps`` is the mean of the
   two; both are in ``hello_rps_runs``). Anonymous visitors, Italian (the default).
   ``/challenges/<slug>`` cycles through 500 public challenges, ``/partners/<slug>``
   through the nine partners, ``/search`` through 240 distinct queries (``bench.search.query_mix``,
   then words and phrases of ``bench.datagen``'s vocabulary).
4. Prints ``hello_rps`` and ``pages``: for each page ``rps``, ``p95_ms`` and
   ``ratio`` (rps / hello_rps); ``targets`` says which page meets its target (40%
   of hello-world; ``/search`` 2%); plus the load average, the statuses seen and
   the settings of the run.

The machine has two cores: the client processes share them with the server, for
the pages and for hello-world alike.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from bench import datagen, http_data, http_load

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
PAGES = ["/", "/challenges/", "/challenges/<slug>", "/partners/<slug>", "/search"]
TARGETS = {"/search": 0.02}
DEFAULT_TARGET = 0.40
SEARCH_QUERIES = 240


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A gunicorn process group, stopped (the whole group) on exit."""

    def __init__(self, app: str, env: dict[str, str], workers: int, log: Path):
        self.port = free_port()
        self.env = {**os.environ, **env, "WEB_CONCURRENCY": str(workers),
                    "BIND": f"127.0.0.1:{self.port}", "LOG_LEVEL": "warning"}
        self.app, self.log = app, log
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        self.proc = subprocess.Popen(
            [GUNICORN, "-c", str(ROOT / "bench" / "http_gunicorn.py"), self.app],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL,
            stderr=self.log.open("ab"), start_new_session=True)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.proc.returncode}); see {self.log}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=5):
                    pass
                # Every worker imports the app on its own: let both finish.
                time.sleep(2)
                return self
            except OSError:
                time.sleep(0.3)
        self.__exit__()
        raise RuntimeError(f"gunicorn did not answer within 60 s; see {self.log}")

    def __exit__(self, *exc) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def page_paths(folder: Path) -> dict[str, list[str]]:
    """The URLs each page is measured with, read from the data set."""
    import sqlite3

    db = sqlite3.connect(folder / "alliance.db")
    slugs = [r[0] for r in db.execute(
        "SELECT slug FROM challenge WHERE status IN ('published', 'closed', 'in_evaluation', "
        "'decided', 'archived') ORDER BY id LIMIT 500")]
    partners = [r[0] for r in db.execute("SELECT slug FROM partner ORDER BY id")]
    db.close()
    return {
        "/": ["/"],
        "/challenges/": ["/challenges/"],
        "/challenges/<slug>": [f"/challenges/{s}" for s in slugs],
        "/partners/<slug>": [f"/partners/{s}" for s in partners],
        "/search": ["/search?" + urllib.parse.urlencode({"q": q}) for q in search_queries()],
    }


def search_queries(count: int = SEARCH_QUERIES) -> list[str]:
    """``count`` distinct queries: the search benchmark's mix (words, phrases, filters,
    prefixes, OR/NOT, misspellings), then single words and phrases of the vocabulary."""
    from bench.search import query_mix

    queries = list(dict.fromkeys(q for q, _sort in query_mix(400)))
    rng = random.Random(datagen.SEED + 7)
    vocabulary = [w for it, en in datagen.TOPICS.values() for w in it + en]
    vocabulary += datagen.TECH[0] + datagen.TECH[1] + datagen.PLACES
    rng.shuffle(vocabulary)
    for word in vocabulary:
        if len(queries) >= count:
            break
        text = f'"{word}"' if " " in word else word
        if text not in queries:
            queries.append(text)
    return queries[:count]


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0,
                        help="fraction of the data set (1 = 10,000 challenges...)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--max-requests", type=int, default=0,
                        help="GUNICORN_MAX_REQUESTS (worker recycling; 0: never, the default "
                             "here, as recycling every 2,000 requests restarts a worker each "
                             "second at hello-world's rate)")
    parser.add_argument("--pages", nargs="*", default=PAGES, help="a subset of the pages")
    parser.add_argument("--prime", type=int, default=0,
                        help="GET every URL of a page this many times before its warm-up "
                             "(a cache's steady state; 0: a cold start, the default)")
    parser.add_argument("--app", default="wsgi:app",
                        help="the WSGI app to serve")
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    folder = http_data.ensure(args.scale, log)
    paths = page_paths(folder)
    server_log = folder / "gunicorn.log"
    common = {"GUNICORN_MAX_REQUESTS": str(args.max_requests), "RATELIMIT_ENABLED": "false"}
    app_env = {
        **common, "APP_ENV": "production", "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": f"sqlite:///{folder}/alliance.db",
        "WHOOSH_INDEX_DIR": str(folder / "search"), "INSTANCE_PATH": str(folder),
        "UPLOAD_FOLDER": str(folder / "uploads"), "MAIL_FILE_PATH": str(folder / "mail"),
        "SEARCH_STARTUP_CHECK": "false", "LOG_FORMAT": "json",
    }

    def measure(port: int, urls: list[str]) -> http_load.Result:
        for _ in range(args.prime):
            for url in urls:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{url}", timeout=60):
                    pass
        return http_load.run("127.0.0.1", port, urls, clients=args.clients,
                             seconds=args.seconds, warmup=args.warmup)

    load_before = load_average()
    hello_runs, results = [], {}
    with Server("bench.http_hello:app", common, args.workers, server_log) as hello:
        log("hello-world...")
        hello_runs.append(measure(hello.port, ["/"]))
    with Server(args.app, app_env, args.workers, server_log) as app:
        for page in args.pages:
            log(f"{page} ({len(paths[page])} URLs)...")
            results[page] = measure(app.port, paths[page])
    with Server("bench.http_hello:app", common, args.workers, server_log) as hello:
        log("hello-world again...")
        hello_runs.append(measure(hello.port, ["/"]))

    hello_rps = sum(r.rps for r in hello_runs) / len(hello_runs)
    pages = {page: {"rps": round(r.rps, 1), "p95_ms": round(r.percentile(95), 1),
                    "ratio": round(r.rps / hello_rps, 4)}
             for page, r in results.items()}
    report = {
        "hello_rps": round(hello_rps, 1),
        "pages": pages,
        "targets": {page: {"target": TARGETS.get(page, DEFAULT_TARGET),
                           "met": pages[page]["ratio"] >= TARGETS.get(page, DEFAULT_TARGET)}
                    for page in pages},
        "hello_rps_runs": [round(r.rps, 1) for r in hello_runs],
        "hello_p95_ms": round(max(r.percentile(95) for r in hello_runs), 2),
        "statuses": {page: {str(k): v for k, v in sorted(r.statuses.items())}
                     for page, r in results.items()},
        "distinct_urls": {page: len(paths[page]) for page in results},
        "settings": {"workers": args.workers, "clients": args.clients,
                     "seconds": args.seconds, "warmup": args.warmup,
                     "max_requests": args.max_requests, "scale": args.scale, "app": args.app,
                     "prime": args.prime,
                     "database": "sqlite", "search_backend": "whoosh"},
        "load_average": {"before": load_before, "after": load_average()},
        "cpus": os.cpu_count(),
    }
    print(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
