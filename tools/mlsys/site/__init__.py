"""Write rendered books into a static site: templates, navigation, assets, search, atomic swap.

The site writer is the last stage of the pipeline. It never renders Markdown itself: it wraps
the HTML fragments of a `RenderedBook` in our templates and adds what a reader needs around
them (sidebar, breadcrumbs, previous/next, table of contents, search).

Two promises shape this module:

* Atomic output. Everything is written into a staging folder beside the target, which starts
  as a hard-linked copy of the previous site; only at the end is it swapped in by rename. A build
  that fails part-way leaves the previous site exactly as it was.
* No redone work. A manifest of the previous build records a hash of every file written; a
  page whose HTML did not change is not rewritten, and the search index (pagefind, the slowest
  step) is only rebuilt when some page changed.

Every link is page-relative ("../../assets/site.css"), so a site works from any base path.

The package is split along the writer's jobs: `staging` (staging folder, manifest, swap),
`pages`, `navigation`, `links` (the link check), `assets`, `search` (pagefind); `writer`
assembles `SiteWriter` from them, and `config` holds the types the build passes in.
"""

from __future__ import annotations

from .config import (
    ASSETS_DIR,
    MANIFEST_NAME,
    MANIFEST_VERSION,
    PACKAGE_DIR,
    SITE_ASSETS,
    TEMPLATES_DIR,
    BookSection,
    ElsewherePart,
    NavLink,
    NavMenu,
    SiteConfig,
    SiteError,
    SiteReport,
)
from .navigation import group_labs
from .search import pagefind_command, run_pagefind
from .staging import read_manifest
from .text import describe, plain_text, relative_root
from .writer import SiteWriter

__all__ = [
    "ASSETS_DIR",
    "BookSection",
    "ElsewherePart",
    "MANIFEST_NAME",
    "MANIFEST_VERSION",
    "NavLink",
    "NavMenu",
    "PACKAGE_DIR",
    "SITE_ASSETS",
    "SiteConfig",
    "SiteError",
    "SiteReport",
    "SiteWriter",
    "TEMPLATES_DIR",
    "describe",
    "group_labs",
    "pagefind_command",
    "plain_text",
    "read_manifest",
    "relative_root",
    "run_pagefind",
]
