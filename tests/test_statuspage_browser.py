"""The status page as a person sees it: rendered by a real headless Chromium.

These tests never skip: without Chromium (or Playwright) they fail and say what to install.
Each keeps a screenshot under its tmp dir and in test-artifacts/ at the repository root.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.helpers import ok, start_outage

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TITLE = "<script>alert(1)</script> Logins failing"
LAST = "Sign-ins are back for most customers; we are restoring the rest."

# Every element with text of its own: its text colour against the first opaque background
# behind it, as WCAG 2 defines contrast. Returns the failures.
CONTRAST = """() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || c[3] === 1) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const bad = [];
  for (const el of document.body.querySelectorAll("*")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const a = lum(rgb(getComputedStyle(el).color)), b = lum(background(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) bad.push(`${el.tagName}.${el.className}: ${ratio.toFixed(2)}`);
  }
  return bad;
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail('Playwright is missing: pip install -e ".[test]"', pytrace=False)
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing; the status page tests need a real browser: "
            "run ./scripts/test, which installs it (apt-get install -y chromium).",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class Visit:
    """A page opened in its own browser context, with everything that went wrong in it."""

    def __init__(self, browser: Browser, url: str, **context: Any) -> None:
        self.context = browser.new_context(**context)
        self.page: Page = self.context.new_page()
        self.problems: list[str] = []
        self.requests: list[str] = []
        self.page.on(
            "console",
            lambda m: (
                self.problems.append(f"console {m.type}: {m.text}")
                if m.type in ("error", "warning")
                else None
            ),
        )
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("dialog", lambda d: self.problems.append(f"dialog: {d.message}"))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(url)

    def screenshot(self, tmp_path: Path, name: str) -> Path:
        shot = tmp_path / name
        self.page.screenshot(path=str(shot), full_page=True)
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copyfile(shot, ARTIFACTS / name)
        return shot

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def site() -> str:
    """The acceptance story (start --yes, update, update), then the build; the page's URL."""
    ok("init", ".")
    start_outage("--yes", "--at", "-50m", title=TITLE)
    ok("note", "Internal: the failover script did not run", "--at", "-40m")
    ok("update", "We found the cause: a failed database failover.", "--at", "-30m")
    ok("update", LAST, "--eta", "+40m")
    ok("statuspage", "build", "site/", "--title", "Larkspur status")
    return (Path.cwd() / "site" / "index.html").as_uri()


def test_the_page_shows_the_title_the_severity_in_words_and_the_last_update(
    browser: Browser, site: str, tmp_path: Path
) -> None:
    visit = Visit(browser, site, viewport={"width": 1000, "height": 800}, color_scheme="light")
    shot = visit.screenshot(tmp_path, "statuspage.png")
    seen = visit.page.inner_text("body")
    assert "Larkspur status" in seen and "1 incident in progress." in seen
    assert TITLE in seen  # shown as text, never run
    assert "In progress · Severity: Major" in seen
    # the severity's public words, not the internal description (issue 17, item 6)
    assert "A core part of Larkspur is down or unreliable for many customers." in seen
    assert "A core function (schedules, shift swaps, clock-in) is down" not in seen
    latest = visit.page.locator(".latest").inner_text()
    assert LAST in latest
    assert seen.index(LAST) < seen.index("We found the cause")
    assert "Next update by" in seen and "Expected fix by" in seen
    assert "Internal: the failover" not in seen
    assert visit.page.evaluate("document.scripts.length") == 0
    assert visit.problems == []
    assert visit.requests == [site]  # nothing fetched from anywhere else
    assert shot.stat().st_size > 10_000
    visit.close()


def test_the_page_needs_no_javascript(browser: Browser, site: str) -> None:
    visit = Visit(browser, site, java_script_enabled=False)
    seen = visit.page.inner_text("main")
    assert TITLE in seen and "Severity: Major" in seen and LAST in seen
    assert visit.problems == []
    visit.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_page_is_accessible_in_light_and_dark(browser: Browser, site: str, scheme: str) -> None:
    visit = Visit(browser, site, color_scheme=scheme)
    page = visit.page
    assert page.get_attribute("html", "lang") == "en"
    for role in ("banner", "main", "contentinfo"):
        assert page.get_by_role(role).count() == 1, role
    assert page.get_by_role("heading", level=1).inner_text() == "Larkspur status"
    assert page.get_by_role("article", name=TITLE).count() == 1
    assert page.get_by_role("heading", name="Current incidents").count() == 1
    assert page.evaluate(CONTRAST) == []
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == ("rgb(13, 17, 23)" if scheme == "dark" else "rgb(255, 255, 255)")
    assert visit.problems == []
    visit.close()


def test_the_page_is_readable_on_a_phone(browser: Browser, site: str, tmp_path: Path) -> None:
    visit = Visit(
        browser,
        site,
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        color_scheme="dark",
    )
    page = visit.page
    visit.screenshot(tmp_path, "statuspage-phone-dark.png")
    width = page.evaluate("document.documentElement.clientWidth")
    assert width == 360  # the viewport meta tag: laid out for the phone, not zoomed out
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scroll
    size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.text')).fontSize)")
    assert size >= 16
    assert LAST in page.inner_text("main")
    assert visit.problems == []
    visit.close()


def test_a_resolved_incident_folds_its_history_and_opens_it_without_scripts(
    browser: Browser, site: str
) -> None:
    ok("resolve", "--cause", "A failed failover", "--impact", "No sign-ins for 50 minutes")
    ok("statuspage", "build", "site/")
    visit = Visit(browser, site, java_script_enabled=False)
    page = visit.page
    seen = page.inner_text("main")
    assert "No incidents in progress." in page.inner_text("header")
    assert "Resolved · Severity: Major" in seen and "Final update" in seen
    assert not page.get_by_text("We found the cause").is_visible()
    page.get_by_text("Earlier updates (3)").click()
    assert page.get_by_text("We found the cause").is_visible()
    assert visit.problems == []
    visit.close()
