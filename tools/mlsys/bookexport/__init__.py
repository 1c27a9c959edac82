"""The book as a PDF (pandoc -> Typst -> PDF) and as an EPUB3, one file per volume.

`export_book` starts from the very chapters the website is built from: cells come from the
freeze cache (a warm export runs no kernel), numbers and cross-references from the same
book-wide index. Writing is atomic: a failed export leaves any previous file untouched.
"""

from __future__ import annotations

from .errors import ExportError
from .export import FORMATS, ExportResult, export_book, export_volume

__all__ = ["FORMATS", "ExportError", "ExportResult", "export_book", "export_volume"]
