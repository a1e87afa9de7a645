"""User Markdown is rendered and sanitised."""
from alliance.core.markdown import render_markdown


def test_markdown_renders_formatting():
    html = render_markdown("## Goals\n\n- **less** CO2\n- [more](https://example.org) trees")
    assert "<h2>Goals</h2>" in html
    assert "<strong>less</strong>" in html
    assert 'href="https://example.org"' in html and 'rel="noopener noreferrer nofollow"' in html


def test_markdown_drops_script_and_event_handlers():
    html = render_markdown('<script>alert(1)</script>\n\n<img src=x onerror=alert(1)> ok')
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html  # shown as text, harmless


def test_markdown_refuses_javascript_links():
    html = render_markdown("[click](javascript:alert(1))")
    assert "<a" not in html


def test_markdown_top_heading_becomes_h2():
    assert "<h2>Title</h2>" in render_markdown("# Title")

