"""Sphinx configuration: the Markdown pages of docs/ (MyST) with the furo theme.

Build with `make docs` (docs/_build/html, warnings are errors). The API reference is
generated from the docstrings and type hints of `src/anymail` (sphinx.ext.autodoc).
"""

from __future__ import annotations

import os
import sys
import time
import urllib.request
from pathlib import Path

import django
from django.conf import settings

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT / "src"))  # document this checkout even without `pip install -e`
# Build output (and the intersphinx cache below) stays out of git, like a virtualenv.
(DOCS / "_build").mkdir(exist_ok=True)
if not (DOCS / "_build" / ".gitignore").exists():
    (DOCS / "_build" / ".gitignore").write_text("# Built by `make docs`.\n*\n")

# autodoc imports the modules, and Anymail's import Django models and settings.
if not settings.configured:
    settings.configure(
        INSTALLED_APPS=["django.contrib.contenttypes", "anymail", "anymail.queue"],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        USE_TZ=True,
    )
    django.setup()

from anymail import __version__  # noqa: E402 - needs the path above

project = "anymail-mailtrap"
author = "anymail-mailtrap contributors"
copyright = "anymail-mailtrap contributors"
release = version = __version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.intersphinx",
]
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "_snippets", "README.md", "Thumbs.db", ".DS_Store"]
templates_path: list[str] = []

# -- MyST -------------------------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "deflist", "fieldlist"]
# "#2-limits"-style links between pages, as GitHub renders them.
myst_heading_anchors = 4
# Pages link to Markdown files outside docs/ only through their pages here (benchmarks.md).

# -- autodoc ----------------------------------------------------------------------------
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_inherit_docstrings = False
# Docstrings here are prose, with `name` for code as in Markdown: no Google/NumPy sections
# to convert (sphinx.ext.napoleon would read "text: more" in a `#:` comment as a type).
default_role = "code"

# -- HTML -------------------------------------------------------------------------------
html_theme = "furo"
html_title = f"anymail-mailtrap {release}"
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_show_sourcelink = False

# -- Django's docs (intersphinx) --------------------------------------------------------
# Links into Django's documentation need Django's objects.inv. Sphinx would fetch it from
# docs.djangoproject.com and, without a network, *warn* -- a build error under -W that no
# `suppress_warnings` entry covers. So conf.py fetches the inventory itself (short
# timeout) into docs/_build/intersphinx/ and gives Sphinx that local file; a copy less
# than a week old is reused. Offline with no copy, the mapping is left out: references
# to Django objects render as plain code instead of links, and the build stays clean.
DJANGO_VERSION = "{}.{}".format(*django.VERSION[:2])
DJANGO_DOCS = f"https://docs.djangoproject.com/en/{DJANGO_VERSION}/"
INVENTORY_CACHE = DOCS / "_build" / "intersphinx" / f"django-{DJANGO_VERSION}.inv"
INVENTORY_MAX_AGE = 7 * 24 * 3600
intersphinx_timeout = 5


def _django_inventory() -> str | None:
    """A local copy of Django's objects.inv, fetched when missing or old; None if offline."""
    if os.environ.get("ANYMAIL_DOCS_OFFLINE"):
        return str(INVENTORY_CACHE) if INVENTORY_CACHE.exists() else None
    fresh = INVENTORY_CACHE.exists() and (
        time.time() - INVENTORY_CACHE.stat().st_mtime < INVENTORY_MAX_AGE
    )
    if not fresh:
        try:
            with urllib.request.urlopen(DJANGO_DOCS + "_objects/", timeout=5) as answer:
                data = answer.read()
            INVENTORY_CACHE.parent.mkdir(parents=True, exist_ok=True)
            INVENTORY_CACHE.write_bytes(data)
        except OSError as error:
            print(f"intersphinx: Django's inventory not fetched ({error}); no links to it")
    return str(INVENTORY_CACHE) if INVENTORY_CACHE.exists() else None


_inventory = _django_inventory()
intersphinx_mapping = {"django": (DJANGO_DOCS, _inventory)} if _inventory else {}
