"""What the browser tests need from the machine, and small helpers they share."""
from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path

# Debian's launcher script (apt-get install chromium); BROWSER_CHROMIUM points elsewhere.
CHROMIUM = os.environ.get("BROWSER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    # Nothing leaves the machine: every host but the test server fails to resolve.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    "--disable-features=AutofillServerCommunication",
    "--disable-quic",
]
AXE_JS = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def missing_reason() -> str:
    """Why the browser tests cannot run here ('' when they can)."""
    if not Path(CHROMIUM).exists():
        return (f"browser tests: chromium not found at {CHROMIUM} "
                "(apt-get install chromium chromium-driver)")
    if importlib.util.find_spec("playwright") is None:
        return "browser tests: playwright is not installed (pip install -e '.[test]')"
    return ""


MISSING = missing_reason()


def login(page, email: str, password: str) -> None:
    """Log in through the form, with the keyboard."""
    page.goto("/auth/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Password", exact=True).press("Enter")
    page.wait_for_url(re.compile(r"^(?!.*/auth/login)"))


def run_axe(page) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations on the current page."""
    page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + " :: "
                                                  + n.failureSummary),
            }));
        }""",
        WCAG_TAGS,
    )


def describe(violations: list[dict]) -> str:
    return "\n".join(f"{v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"])
                     for v in violations)
