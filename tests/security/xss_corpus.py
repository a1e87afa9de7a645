"""XSS payloads and the HTML check that proves they came back harmless.

Each payload carries a marker ``xss-NN`` so a test can also prove that the page really
showed the text (escaped), which keeps a check from passing on a page that left it out.
Injected attributes and tags are named with ``xss`` too, so the checker recognises them
however the payload broke out.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

PAYLOADS: list[str] = [
    '<script>alert("xss-01")</script>',
    "<SCRIPT SRC=//evil.example/xss-02.js></SCRIPT>",
    '<img src=x onerror=alert("xss-03")>',
    '<svg onload=alert("xss-04")>',
    "<a href=\"javascript:alert('xss-05')\">xss-05</a>",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">xss-06</a>',
    "\" onmouseover=\"alert('xss-07')\" data-xss-07=\"",
    "' onfocus='alert(`xss-08`)' xss-08='",
    "'><script>alert('xss-09')</script>",
    '"><img src=x onerror=alert("xss-10")>',
    '</textarea><script>alert("xss-11")</script>',
    '</title><script>alert("xss-12")</script>',
    "<iframe src=\"javascript:alert('xss-13')\"></iframe>",
    "<style>body{background:url(\"javascript:alert('xss-14')\")}</style>",
    '<base href="https://evil.example/xss-15/">',
    '<form action="https://evil.example/xss-16"><button>xss-16</button></form>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example/xss-17">',
    "<div style=\"width: expression(alert('xss-18'))\">xss-18</div>",
    '<scr<script>ipt>alert("xss-19")</scr</script>ipt>',
    '%3Cscript%3Ealert("xss-20")%3C/script%3E',
    '\\u003cscript\\u003ealert("xss-21")\\u003c/script\\u003e',
    '&lt;script&gt;alert("xss-22")&lt;/script&gt;',
    "{{ 7*7 }} {{ config }} xss-23",
    "{% raw %}xss-24{% endraw %} {{ 12345*6789 }}",
    "<object data=\"data:text/html,<script>alert('xss-25')</script>\"></object>",
    "<a href=\"&#106;avascript:alert('xss-26')\">xss-26</a>",
    '<details open ontoggle=alert("xss-27")>',
    '</script><script>alert("xss-28")</script>',
]
# Markdown vectors (plain text in the other fields).
MARKDOWN_PAYLOADS: list[str] = [
    "[xss-m1](javascript:alert(1))",
    "![xss-m2](javascript:alert(2))",
    "[xss-m3](data:text/html;base64,PHNjcmlwdD5hbGVydCgzKTwvc2NyaXB0Pg==)",
    "![xss-m4](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoNCk+)",
    '<javascript:alert("xss-m5")>',
    "[xss-m6][r6]\n\n[r6]: javascript:alert(6)",
    "[xss-m7](JaVaScRiPt:alert(7))",
    "[xss-m8](javascript&#58;alert(8))",
    '[xss-m9](<javascript:alert(9)> "t")',
    "[xss-m10](vbscript:msgbox(10))",
    '[xss-m11](https://ok.example/" onmouseover="alert(11))',
    '<div onclick="alert(12)">xss-m12</div>\n\n<script>alert(12)</script>',
    '`<script>alert("xss-m13")</script>`',
    '```\n<script>alert("xss-m14")</script>\n```',
    "# <img src=x onerror=alert(15)> xss-m15",
    "[xss-m16](&#x6A;avascript:alert(16))",
    '[xss-m17](https://ok.example/ "a\" onmouseover=\"alert(17)")',
    '[xss-m18](https://ok.example/x "t\\" onmouseover=alert(18) x=\\"")',
    "[xss-m19](data:image/png;base64,iVBORw0KGgo=) ![m19](data:image/png;base64,iVBORw0KGgo=)",
    '<https://ok.example/"onmouseover="alert(20)> xss-m20',
    "[xss-m21](https://ok.example/safe) <a href=x>",
]
ALL_PAYLOADS = PAYLOADS + MARKDOWN_PAYLOADS
MARKDOWN_TEXT = "\n\n".join(ALL_PAYLOADS)
# Would show if a template evaluated user text (Jinja); must never appear.
EVALUATED = ("83810205", "&lt;Config ")
LONG_PAYLOAD = ('<img src=x onerror=alert("xss-long")>' * 120)[:4900]
SHOWN_TEMPLATE_TEXT = "{{ 7*7 }}"


def chunks(max_length: int, payloads: list[str] | None = None, sep: str = " ") -> list[str]:
    """The payloads packed greedily into strings of at most ``max_length`` characters
    (one request carries several payloads; a payload too long alone is cut)."""
    out: list[str] = []
    current = ""
    for payload in payloads or ALL_PAYLOADS:
        payload = payload[:max_length]
        candidate = f"{current}{sep}{payload}" if current else payload
        if len(candidate) <= max_length:
            current = candidate
        else:
            out.append(current)
            current = payload
    if current:
        out.append(current)
    return out


def marker(text: str) -> str:
    """The first marker carried by ``text`` (what a page must show, escaped)."""
    found = re.search(r"xss-(?:m?\d+|long)", text)
    assert found, text
    return found.group(0)


URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "poster", "background",
                  "xlink:href", "srcset", "codebase", "cite", "ping", "content"}
FORBIDDEN_TAGS = {"script", "iframe", "frame", "frameset", "object", "embed", "applet",
                  "base", "style", "math", "link", "meta", "img", "mglyph"}
SAFE_SCHEMES = ("http://", "https://", "mailto:", "/", "#", "?")
_CONTROL = re.compile(r"[\x00-\x20]+")


class Page(HTMLParser):
    """What the checker found in a page: problems, and the decoded text and attribute
    values (where escaped user text lands)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.text: list[str] = []
        self.values: list[str] = []

    def handle_starttag(self, tag, attrs):
        where = f"<{tag} {' '.join(f'{k}={v!r}' for k, v in attrs)}>"[:200]
        names = dict(attrs)
        if "xss" in tag:
            self.problems.append(f"injected tag {where}")
        if tag in FORBIDDEN_TAGS and not _ours(tag, names):
            self.problems.append(f"forbidden tag {where}")
        if tag == "svg" and names.get("class") != "spread":
            self.problems.append(f"injected svg {where}")
        for name, value in attrs:
            value = value or ""
            self.values.append(value)
            if name.startswith("on") or "xss" in name or name == "style":
                self.problems.append(f"injected attribute {name} in {where}")
            if name in URL_ATTRIBUTES and "evil.example" in value:
                self.problems.append(f"attacker's address in {where}")
            if name in URL_ATTRIBUTES and tag != "meta":
                url = _CONTROL.sub("", value).lower()
                if url and not url.startswith(SAFE_SCHEMES) and ":" in url.split("/")[0]:
                    self.problems.append(f"unsafe URL {name}={value!r} in {where}")

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)

    @property
    def shown(self) -> str:
        return " ".join(self.text + self.values)


def _ours(tag: str, attrs: dict) -> bool:
    """The site's own uses of tags that user text must never produce."""
    if tag == "script":
        return (attrs.get("src") or "").startswith("/static/")
    if tag == "meta":
        return set(attrs) <= {"charset", "name", "content"} and attrs.get("name") != "refresh"
    if tag == "link":
        return (attrs.get("href") or "").startswith("/static/")
    if tag == "img":
        return (attrs.get("src") or "").startswith("/static/")
    return False


def check_page(html: str, *, shows: str | list[str] = ()) -> Page:
    """Fail unless ``html`` is free of injected markup and shows every ``shows`` text
    (escaped user text, decoded back by the parser)."""
    page = Page()
    page.feed(html)
    page.close()
    assert not page.problems, "\n".join(page.problems)
    for bad in EVALUATED:
        assert bad not in html, f"user text evaluated as a template: {bad!r}"
    for text in [shows] if isinstance(shows, str) else shows:
        assert text in page.shown, f"the page does not show {text!r}"
    return page


def logged_in(client, user) -> None:
    """Make the next requests of ``client`` come from ``user`` (None: a visitor)."""
    with client.session_transaction() as session:
        session.clear()
        if user is not None:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True


def visit(client, user, urls, *, shows=()) -> None:
    """GET each of ``urls`` as ``user`` and check the page (see ``check_page``)."""
    logged_in(client, user)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        try:
            check_page(response.get_data(as_text=True), shows=shows)
        except AssertionError as error:
            raise AssertionError(f"{url}: {error}") from None


def posted(response, *, expect=(302, 303)) -> None:
    """Fail with the page's errors when a form post did not go through."""
    if response.status_code not in expect:
        html = response.get_data(as_text=True)
        errors = re.findall(r'class="(?:invalid-feedback|alert)[^"]*"[^>]*>(.*?)</', html, re.S)
        raise AssertionError(f"form refused ({response.status_code}): {errors[:5]}")


def rounds(**fields: list[str]) -> list[dict[str, str]]:
    """One dict of field values per request, so that every chunk of every field is sent
    once: ``rounds(name=chunks(120), city=chunks(80))`` (shorter lists wrap around)."""
    count = max(len(values) for values in fields.values())
    return [{name: values[i % len(values)] for name, values in fields.items()}
            for i in range(count)]
