"""The documentation site, built with Sphinx and read in real headless Chromium.

The site is built from docs/ (warnings are errors, as in `make docs`), served over
127.0.0.1 and crawled from its index: every page must load without a script error, be
reachable through the site's own links, and every link within the site -- #fragments
included -- must lead somewhere that exists.
"""

from __future__ import annotations

import functools
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urlsplit

import pytest
from playwright.sync_api import Browser, Page

for _package in ("sphinx", "furo", "myst_parser"):
    pytest.importorskip(_package, reason='the docs tools are missing: pip install -e ".[docs]"')

DOCS = Path(__file__).resolve().parents[2] / "docs"
#: The first test also builds (~15 s) and crawls (~30 s) the site, on a busy 2-CPU machine.
pytestmark = [pytest.mark.timeout(300), pytest.mark.heavy]
#: Pages Sphinx makes that the navigation does not link to (the search box leads there).
UNLINKED_PAGES = {"search.html"}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh build of docs/, with warnings as errors."""
    out = tmp_path_factory.mktemp("docs-html")
    build = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", DOCS, out],
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    assert build.returncode == 0, f"the docs build failed:\n{build.stderr}"
    return out


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def base_url(site: Path) -> Iterator[str]:
    """The built site, served over 127.0.0.1."""
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@dataclass
class Crawl:
    """What a walk over the site's own links found."""

    statuses: dict[str, int] = field(default_factory=dict)  # page path -> HTTP status
    ids: dict[str, set[str]] = field(default_factory=dict)  # page path -> element ids
    links: list[tuple[str, str]] = field(default_factory=list)  # (page, href) within the site
    script_errors: list[str] = field(default_factory=list)
    linked: set[str] = field(default_factory=set)  # pages some other page links to


def visit(page: Page, url: str, crawl: Crawl, path: str) -> list[str]:
    """Load one page; record its status, element ids and links; return its links."""
    response = page.goto(url, wait_until="load")
    crawl.statuses[path] = response.status if response else 0
    crawl.ids[path] = set(page.eval_on_selector_all("[id]", "els => els.map(e => e.id)"))
    hrefs: list[str] = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    return hrefs


@pytest.fixture(scope="module")
def crawl(browser: Browser, base_url: str, site: Path) -> Crawl:
    """Every page reached from the index by the site's links, then every other page."""
    result = Crawl()
    page = browser.new_page()
    page.on("pageerror", lambda error: result.script_errors.append(f"{page.url}: {error}"))
    origin = urlsplit(base_url).netloc
    queue = ["index.html"]
    while queue:
        path = queue.pop()
        if path in result.statuses:
            continue
        for href in visit(page, base_url + path, result, path):
            parts = urlsplit(href)
            if parts.netloc != origin:
                continue  # Mailtrap, Django's docs, ...: not this site
            result.links.append((path, href))
            target = local_path(href, base_url)
            if target != path:
                result.linked.add(target)
            if target.endswith(".html") and target not in result.statuses:
                queue.append(target)
    for html in sorted(site.rglob("*.html")):
        path = html.relative_to(site).as_posix()
        if path not in result.statuses:
            visit(page, base_url + path, result, path)
    page.close()
    return result


def local_path(href: str, base_url: str) -> str:
    """The site-relative path of a link, without its fragment ("" for the index)."""
    path = urldefrag(href).url[len(base_url) :].split("?")[0]
    return (
        "index.html" if path in ("", "/") else (path + "index.html" if path.endswith("/") else path)
    )


def http_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_every_page_loads(crawl: Crawl, site: Path) -> None:
    pages = {html.relative_to(site).as_posix() for html in site.rglob("*.html")}
    assert {"index.html", "quickstart.html", "configuration.html", "api/index.html"} <= pages
    assert set(crawl.statuses) >= pages
    failed = {path: status for path, status in crawl.statuses.items() if status != 200}
    assert not failed, f"pages that did not load: {failed}"
    assert not crawl.script_errors, "\n".join(crawl.script_errors)


def test_every_page_is_linked_from_the_site(crawl: Crawl) -> None:
    orphans = set(crawl.statuses) - crawl.linked - UNLINKED_PAGES - {"index.html"}
    assert not orphans, f"pages no other page links to (missing from a toctree?): {orphans}"


def test_no_broken_internal_links(crawl: Crawl, base_url: str) -> None:
    broken: list[str] = []
    checked_files: dict[str, int] = {}
    for page, href in crawl.links:
        target = local_path(href, base_url)
        fragment = urldefrag(href).fragment
        if target.endswith(".md"):
            broken.append(f"{page}: {href} (a Markdown source, not a page)")
        elif target.endswith(".html"):
            if crawl.statuses.get(target) != 200:
                broken.append(f"{page}: {href} (no such page)")
            elif fragment and fragment not in crawl.ids[target]:
                broken.append(f"{page}: {href} (no #{fragment} on {target})")
        else:  # a stylesheet, an image, a download
            if target not in checked_files:
                checked_files[target] = http_status(base_url + target)
            if checked_files[target] != 200:
                broken.append(f"{page}: {href} (HTTP {checked_files[target]})")
    assert crawl.links, "the crawl found no links at all"
    assert not broken, "broken links:\n" + "\n".join(broken)


def test_quickstart_shows_its_code(browser: Browser, base_url: str) -> None:
    page = browser.new_page()
    try:
        page.goto(base_url + "quickstart.html")
        assert page.locator("div.highlight pre").count() >= 8
        mailers = page.locator("#quickstart-mailers pre")
        assert "anymail.backends.mailtrap.EmailBackend" in mailers.inner_text()
        assert mailers.is_visible()
        email_backend = page.locator("#quickstart-email-backend pre").inner_text()
        assert 'EMAIL_BACKEND = "anymail.backends.mailtrap.EmailBackend"' in email_backend
        assert "send_mail(" in page.locator("#quickstart-send pre").inner_text()
    finally:
        page.close()
