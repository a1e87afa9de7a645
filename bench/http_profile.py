"""Where the time of each page of ``bench.http`` goes: ``python -m bench.http_profile``.

In one process, through the Flask test client, on the benchmark's data set: for
each page, the mean per request of the SQL statements (count and time, from the
engine's cursor events), the template rendering (``before_render_template`` to
``template_rendered``, SQL run lazily meanwhile excluded), the search backend
(``search`` and ``similar``) and the rest (view code, request handling); the 8
slowest statements of each page with their mean time. ``--cprofile PAGE`` prints
the top functions of one page instead. Prints one JSON object.
"""
from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import time
from collections import defaultdict

from flask import before_render_template, template_rendered
from sqlalchemy import event

from bench import http_data
from bench.http import PAGES, page_paths

REQUESTS = 40


class Timers:
    def __init__(self):
        self.sql_count = 0
        self.sql_s = 0.0
        self.render_s = 0.0
        self.search_s = 0.0
        self.statements: dict[str, list[float]] = defaultdict(list)
        self._sql_started = 0.0
        self._render_started: list[tuple[float, float]] = []

    def before_sql(self, conn, cursor, statement, parameters, context, executemany):
        self._sql_started = time.perf_counter()

    def after_sql(self, conn, cursor, statement, parameters, context, executemany):
        spent = time.perf_counter() - self._sql_started
        self.sql_count += 1
        self.sql_s += spent
        self.statements[" ".join(statement.split())[:160]].append(spent)

    def before_render(self, sender, template, context, **extra):
        self._render_started.append((time.perf_counter(), self.sql_s))

    def rendered(self, sender, template, context, **extra):
        started, sql_before = self._render_started.pop()
        if not self._render_started:  # the outermost template (includes are inside)
            self.render_s += (time.perf_counter() - started) - (self.sql_s - sql_before)


def timed(timers: Timers, function):
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            timers.search_s += time.perf_counter() - started
    return wrapper


def make_app(folder):
    from alliance import create_app

    config = http_data.bench_config(folder)
    config["BABEL_DEFAULT_LOCALE"] = "it"
    return create_app(config)


def profile_page(app, urls: list[str], requests: int) -> dict:
    from alliance.extensions import db
    from alliance.search import get_backend
    from alliance.search import views as search_views

    client = app.test_client()
    for url in urls[:3]:  # warm: imports, template compilation, the index's readers
        client.get(url)
    timers = Timers()
    with app.app_context():
        engine = db.engine
        backend = get_backend(app)
    event.listen(engine, "before_cursor_execute", timers.before_sql)
    event.listen(engine, "after_cursor_execute", timers.after_sql)
    before_render_template.connect(timers.before_render, app)
    template_rendered.connect(timers.rendered, app)
    original_search, original_similar = search_views.run_search, backend.similar
    search_views.run_search = timed(timers, original_search)
    backend.similar = timed(timers, original_similar)
    statuses: dict[int, int] = defaultdict(int)
    started = time.perf_counter()
    try:
        for i in range(requests):
            statuses[client.get(urls[i % len(urls)]).status_code] += 1
    finally:
        total = time.perf_counter() - started
        search_views.run_search, backend.similar = original_search, original_similar
        event.remove(engine, "before_cursor_execute", timers.before_sql)
        event.remove(engine, "after_cursor_execute", timers.after_sql)
        before_render_template.disconnect(timers.before_render, app)
        template_rendered.disconnect(timers.rendered, app)

    def ms(seconds: float) -> float:
        return round(seconds / requests * 1000, 2)

    slowest = sorted(timers.statements.items(), key=lambda kv: -sum(kv[1]))[:8]
    return {
        "ms_per_request": ms(total),
        "sql_queries": round(timers.sql_count / requests, 2),
        "sql_ms": ms(timers.sql_s),
        "render_ms": ms(timers.render_s),
        "search_backend_ms": ms(timers.search_s),
        "other_ms": ms(total - timers.sql_s - timers.render_s - timers.search_s),
        "statuses": dict(statuses),
        "slowest_sql": [{"ms_mean": round(sum(t) / len(t) * 1000, 2),
                         "per_request": round(len(t) / requests, 2), "sql": sql}
                        for sql, t in slowest],
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--requests", type=int, default=REQUESTS)
    parser.add_argument("--pages", nargs="*", default=PAGES)
    parser.add_argument("--cprofile", metavar="PAGE", help="print the top functions of PAGE")
    args = parser.parse_args(argv)
    folder = http_data.ensure(args.scale, lambda m: print(m, file=sys.stderr))
    paths = page_paths(folder)
    app = make_app(folder)
    if args.cprofile:
        client = app.test_client()
        urls = paths[args.cprofile]
        for url in urls[:3]:
            client.get(url)
        profiler = cProfile.Profile()
        profiler.enable()
        for i in range(args.requests):
            client.get(urls[i % len(urls)])
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
        return {}
    report = {page: profile_page(app, paths[page], args.requests) for page in args.pages}
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return report


if __name__ == "__main__":
    main()
