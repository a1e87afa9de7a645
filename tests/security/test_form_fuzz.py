"""Form fuzzing (issue 7): every form of the site, posted with hostile values by
hypothesis, answers below 500 and leaves nothing half-written.

One test per form (``fuzz_forms.SPECS``): the world is built once, then each example
runs inside a SAVEPOINT of the test's transaction that is rolled back afterwards, so
every example starts from the same world. An example posts a valid body whose fields
are kept, replaced by hostile text, dropped or repeated, plus unknown fields, and checks:

- the status is below 500 (in tests a server error is raised, and fails the example);
- a refused post (4xx, or a page showing field errors) changed no table's row count
  and not the row it edits, unless the spec says why it may (a draft kept on purpose);
- a post that changed the database leads to pages that still render (below 500).

GET pages with query strings (search, filters, page numbers) are fuzzed the same way.
"""
from __future__ import annotations

import io
import json
import os
from collections import Counter
from operator import attrgetter
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    EmailField,
    FieldList,
    FileField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    URLField,
)
from wtforms.fields.core import UnboundField

from alliance.extensions import db
from tests.security.authz_matrix import raw
from tests.security.conftest import build_world
from tests.security.fuzz_forms import GET_SPECS, SPECS, Spec, extend_world, spec_id

EXAMPLES = 18
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large],
)

# Cases the app still gets wrong outside its forms: spec id -> the bug (see the report).
KNOWN_BUGS: dict[str, str] = {}
KNOWN_GET_BUGS: dict[str, str] = {}

# FUZZ_STATS=<folder> writes, per worker, the answers each form gave (for reports).
STATS: dict[str, Counter] = {}


@pytest.fixture(scope="module", autouse=True)
def _stats():
    yield
    folder = os.environ.get("FUZZ_STATS")
    if folder and STATS:
        path = os.path.join(folder, f"fuzz-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}.json")
        with open(path, "w") as out:
            json.dump({key: dict(counter) for key, counter in STATS.items()}, out, indent=1)


# -- hostile values --------------------------------------------------------------------

NASTY = [
    "", " ", "\t\r\n", "\x00", "a\x00b", "\x1b[31m", "\u202eevil\u202c", "\ufeff", "\u200b",
    "0", "-1", "1.5", "-0", "00012", "1e309", "-1e309", "NaN", "nan", "inf", "-Infinity",
    "0x1F", "1_000", "٣", "١٢", "²", "１２３", "Ⅻ", "99999999999999999999999999",
    "-9223372036854775809", "2147483648", "9" * 400,
    "2026-02-30T10:00", "2026-03-29T02:30", "9999-12-31T23:59", "0001-01-01T00:00",
    "31/12/2026 10:00", "2026-13-01 25:61", "1999-12-31T23:59", "2100-12-31T23:59:59",
    "<script>alert(1)</script>", "' OR 1=1 --", "%s%n%x", "{{7*7}}", "${jndi:x}",
    "../../etc/passwd", "C:\\con\\aux", "\\\\server\\share",
    "true", "false", "on", "y", "None", "null", "[]", "{}",
    "a@b", "@", "a" * 250 + "@example.org", "x@" + "b" * 300 + ".it", "ü@ü.de", "user@localhost",
    "javascript:alert(1)", "http://", "https://" + "a" * 300 + ".it", "//evil.example",
    "😀" * 50, "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "ﷺ" * 30, "e\u0301" * 40, "İstanbul", "ß" * 80,
]
NUMBERS = st.one_of(
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)
HUGE = st.tuples(st.sampled_from(["x", "é", "😀", "\x00", " ", "<b>", "ab\n"]),
                 st.integers(min_value=1000, max_value=20000)).map(lambda t: (t[0] * t[1])[:20000])
TEXT = st.one_of(
    st.sampled_from(NASTY),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=40),
    st.text(st.characters(max_codepoint=0x9F, exclude_categories=("Cs",)), max_size=20),
    NUMBERS,
    HUGE,
)
DATES = st.one_of(
    st.datetimes().map(lambda d: d.strftime(st_format(d))),
    st.dates().map(str),
)


def st_format(moment) -> str:
    return "%Y-%m-%dT%H:%M" if moment.second == 0 else "%Y-%m-%d %H:%M:%S"


def _kind_of(field_class) -> str:
    for cls, kind in ((FileField, "file"), (SelectMultipleField, "list"),
                      (BooleanField, "bool"), (DateTimeLocalField, "date"),
                      (DecimalField, "number"), (IntegerField, "number"),
                      (RadioField, "choice"), (SelectField, "choice"),
                      (EmailField, "email"), (URLField, "url")):
        if issubclass(field_class, cls):
            return kind
    return "text"


def form_fields(spec: Spec) -> dict[str, str]:
    """The fields a spec's form declares (FieldLists spelled row by row), by kind."""
    fields: dict[str, str] = {}
    if spec.form is None:
        return fields
    for name in dir(spec.form):
        unbound = getattr(spec.form, name, None)
        if not isinstance(unbound, UnboundField):
            continue
        if issubclass(unbound.field_class, FieldList):
            row_form = unbound.args[0].args[0]
            sub = {n: _kind_of(getattr(row_form, n).field_class) for n in dir(row_form)
                   if isinstance(getattr(row_form, n, None), UnboundField)}
            for index in [*range(spec.fieldlists.get(name, 2)), 31, -1]:
                fields.update({f"{name}-{index}-{n}": kind for n, kind in sub.items()})
            continue
        fields[name] = _kind_of(unbound.field_class)
    return fields


def value_for(kind: str, valid_ids: list[str]) -> st.SearchStrategy:
    specific = {
        "number": NUMBERS, "date": DATES, "bool": st.sampled_from(["y", "n", "0", "", "false"]),
        "choice": st.sampled_from(valid_ids or ["1"]), "list": st.sampled_from(valid_ids or ["1"]),
        "email": st.emails().map(str), "url": st.sampled_from(["https://ok.example/x", "ftp://x"]),
    }.get(kind)
    return TEXT if specific is None else st.one_of(specific, TEXT)


MISSING = object()


@st.composite
def bodies(draw, spec: Spec, valid: dict, fields: dict[str, str], valid_ids: list[str]):
    """A list of (key, value) pairs: the valid body, each field kept, fuzzed, dropped or
    repeated; some unknown fields."""
    pairs = []
    names = sorted({*fields, *valid, *spec.extra} - {"attachment"})
    # Half the examples change a few fields of the valid body (so that odd but acceptable
    # values reach the services); the others change any field.
    few = draw(st.sets(st.sampled_from(names), min_size=1, max_size=3)) \
        if names and draw(st.booleans()) else None
    for name in names:
        kind = fields.get(name, "text")
        good = valid.get(name, MISSING)
        action = "keep" if few is not None and name not in few else \
            draw(st.sampled_from(["keep", "fuzz", "fuzz", "drop", "repeat"]))
        if action == "keep" and good is not MISSING:
            values = good if isinstance(good, list) else [good]
        elif action == "drop":
            values = []
        elif action == "repeat" or kind == "list":
            values = draw(st.lists(value_for(kind, valid_ids), min_size=1, max_size=4))
        else:
            values = [draw(value_for(kind, valid_ids))]
        pairs += [(name, value) for value in values]
    for _ in range(draw(st.integers(min_value=0, max_value=2))):
        pairs.append((draw(st.sampled_from(["csrf_token", "id", "user_id", "status", "is_admin",
                                             "__proto__", "a[]", "x" * 300, "é\x00"])),
                      draw(TEXT)))
    if spec.multipart and draw(st.booleans()):
        content = draw(st.one_of(st.binary(max_size=3000),
                                 st.just(b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\n%%EOF\n")))
        filename = draw(st.one_of(
            st.sampled_from(["plan.pdf", "", "../../etc/passwd.pdf", "a" * 300 + ".pdf",
                             "plan.pdf.exe", "ün ïcode.PDF", ".pdf", "CON.pdf"]),
            st.text(st.characters(min_codepoint=0x20, exclude_categories=("Cs",),
                                  exclude_characters='"\\'), max_size=30)))
        pairs.append(("attachment", (content, filename)))
    return pairs


# -- the database's state --------------------------------------------------------------

def _counts(connection) -> dict[str, int]:
    tables = db.metadata.sorted_tables
    query = sa.union_all(*(sa.select(sa.literal(t.name), sa.func.count()).select_from(t)
                           for t in tables))
    return dict(connection.execute(query).all())


def _row(connection, obj) -> tuple | None:
    if obj is None:
        return None
    table = obj.__table__
    return connection.execute(sa.select(table).where(table.c.id == obj.id)).one_or_none()


def _refused(response) -> bool:
    return response.status_code >= 400 or (
        response.status_code == 200 and b"invalid-feedback" in response.get_data())


def _resolve(world, values: dict) -> dict:
    return {name: source.value if isinstance(source, raw) else attrgetter(source)(world)
            for name, source in values.items()}


def _client(app, world, persona: str):
    client = app.test_client()
    if persona != "anonymous":
        with client.session_transaction() as session:
            session["_user_id"] = getattr(world.users, persona).get_id()
            session["_fresh"] = True
    return client


class Example:
    """One example's savepoint: everything it writes is rolled back at the end."""

    def __init__(self, connection):
        self.connection = connection

    def __enter__(self):
        db.session.commit()
        self.savepoint = self.connection.begin_nested()
        return self

    def __exit__(self, *exc):
        db.session.rollback()  # as the request's teardown would: drop what was not committed
        if self.savepoint.is_active:
            self.savepoint.rollback()
        db.session.expire_all()
        return False


@pytest.fixture
def fuzz_world(app, _attachment_file, _transaction):
    world = build_world()
    extend_world(world)
    db.session.commit()
    return world


def _body(pairs, multipart: bool) -> MultiDict:
    data = MultiDict()
    for key, value in pairs:
        if isinstance(value, tuple):
            value = (io.BytesIO(value[0]), value[1], "application/pdf")
        data.add(key, value)
    return data


def _follow(client, response) -> None:
    """The page a successful post leads to still renders."""
    location = response.headers.get("Location", "")
    parts = urlsplit(location)
    if 300 <= response.status_code < 400 and parts.path and not parts.path.startswith("/auth/"):
        page = client.get(parts.path, query_string=parts.query)
        assert page.status_code < 500, f"GET {location} after the post: {page.status_code}"


def _spec_params():
    for spec in SPECS:
        key = spec_id(spec)
        marks = (pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[key]),) \
            if key in KNOWN_BUGS else ()
        yield pytest.param(spec, id=key, marks=marks)


@pytest.mark.parametrize("spec", list(_spec_params()))
def test_form_fuzz(app, fuzz_world, _transaction, spec):
    world, connection = fuzz_world, _transaction
    if spec.setup is not None:
        spec.setup(world)
        db.session.commit()
    with app.test_request_context():
        url = url_for(spec.endpoint, **_resolve(world, spec.url_args()))
    valid = spec.valid(world)
    fields = form_fields(spec)
    ids = sorted({str(v) for value in valid.values()
                  for v in (value if isinstance(value, list) else [value])
                  if str(v).isdigit()} | {"0", str(world.a.id), str(world.proposal.id)})
    target = attrgetter(spec.target)(world) if spec.target else None

    @FUZZ_SETTINGS
    @given(pairs=bodies(spec, valid, fields, ids))
    def post(pairs):
        with Example(connection):
            before, row_before = _counts(connection), _row(connection, target)
            client = _client(app, world, spec.persona)
            response = client.post(url, data=_body(pairs, spec.multipart))
            status = response.status_code
            assert status < 500, f"POST {url}: {status}"
            db.session.rollback()
            after, row_after = _counts(connection), _row(connection, target)
            changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
            wrote = "wrote" if changed or row_after != row_before else "unchanged"
            STATS.setdefault(spec_id(spec), Counter())[f"{status} {wrote}"] += 1
            if _refused(response) and not spec.writes_on_refusal:
                assert not changed, f"POST {url} refused ({status}) but wrote {changed}"
                assert row_after == row_before, f"POST {url} refused ({status}) but changed " \
                                                f"{spec.target}"
            if changed or row_after != row_before:
                _follow(client, response)

    post()


def _get_params():
    for endpoint, persona, params in GET_SPECS:
        key = f"{endpoint}-{persona}"
        marks = (pytest.mark.xfail(strict=True, reason=KNOWN_GET_BUGS[key]),) \
            if key in KNOWN_GET_BUGS else ()
        yield pytest.param(endpoint, persona, params, id=key, marks=marks)


GET_ARGS = {"evaluation.challenge_ranking": {"challenge_id": "evaluated.id"},
            "evaluation.assignments": {"round_id": "round.id"},
            "evaluation.progress": {"round_id": "round.id"},
            "jury.interest": {"round_id": "round.id"}}


@pytest.mark.parametrize(("endpoint", "persona", "params"), list(_get_params()))
def test_query_string_fuzz(app, fuzz_world, _transaction, endpoint, persona, params):
    world = fuzz_world
    with app.test_request_context():
        url = url_for(endpoint, **_resolve(world, GET_ARGS.get(endpoint, {})))
    facets = ["challenge", "proposal", "startup", "open", "closed", "submitted", "1", "9",
              "relevance", "newest", "deadline", "desc", "title", "score", "none", "winner"]
    by_kind = {"query": st.one_of(TEXT, st.sampled_from(
                   ['"unclosed', "a AND (b OR", "NOT", "-", "()", "title:", "city:milano",
                    "*", "?", "a" * 3000, "città~2", "tram^5", "AND AND OR"])),
               "facet": st.one_of(st.sampled_from(facets), TEXT),
               "int": st.one_of(NUMBERS, st.sampled_from(NASTY))}
    strategy = st.fixed_dictionaries({}, optional={
        name: st.lists(by_kind[kind], min_size=1, max_size=2) for name, kind in params.items()})

    @FUZZ_SETTINGS
    @given(query=strategy)
    def get(query):
        with Example(_transaction):
            client = _client(app, world, persona)
            args = MultiDict([(k, v) for k, values in query.items() for v in values])
            response = client.get(url, query_string=args)
            STATS.setdefault(f"GET {endpoint} {persona}", Counter())[response.status_code] += 1
            assert response.status_code < 500, f"GET {url} {query!r}: {response.status_code}"

    get()


# Digits Python's str.isdigit() accepts and int() refuses (or reads): "²", "٣", "１２３".
ODD_DIGITS = ("²", "٣", "１２３")
KNOWN_DIGIT_BUGS: dict[str, str] = {}  # endpoint -> "BUG: ..." while one is open


def _digit_params():
    for endpoint, persona, params in GET_SPECS:
        for name in (n for n, kind in params.items() if kind == "int"):
            marks = (pytest.mark.xfail(strict=True, reason=KNOWN_DIGIT_BUGS[endpoint]),) \
                if endpoint in KNOWN_DIGIT_BUGS else ()
            yield pytest.param(endpoint, persona, name, id=f"{endpoint}-{persona}-{name}",
                               marks=marks)


@pytest.mark.parametrize(("endpoint", "persona", "name"), list(_digit_params()))
def test_odd_digits_in_query_numbers(app, fuzz_world, endpoint, persona, name):
    with app.test_request_context():
        url = url_for(endpoint, **_resolve(fuzz_world, GET_ARGS.get(endpoint, {})))
    client = _client(app, fuzz_world, persona)
    for value in ODD_DIGITS:
        response = client.get(url, query_string={name: value})
        assert response.status_code < 500, f"GET {url}?{name}={value}: {response.status_code}"
