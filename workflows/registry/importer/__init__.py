"""Importing the registry from a spreadsheet (.xlsx or .csv): the layout, the template, the parser.

`parse(content, filename, locale)` -> ImportResult(persons, errors); `build_template(locale)` ->
the .xlsx bytes of the downloadable template. The layout is documented in docs/registry-import.md.
"""

from .parse import ImportResult, parse
from .template import build_template

__all__ = ["ImportResult", "build_template", "parse"]
