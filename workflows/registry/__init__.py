"""The cadre registry's domain core (干部信息库): the person record, qualification review, 破格提拔,
任职回避 and spreadsheet import. Pure Python: no storage, no Flask. See workflows/README.md.

Modules: `vocab` (levels and other vocabularies), `dates` (year/month arithmetic), `idcard`
(GB 11643), `person` (the record's schemas), `career` (what a record says at a date),
`qualification` (the rules and `review`; their figures are the table parameters of params.py),
`confirm` (attesting missing verdicts), `exceptional` (破格提拔), `avoidance` (任职回避),
`messages` (error codes and labels); `importer/` (spreadsheets).
"""

# The forms first: the person record's schemas build on the forms' fields, and the forms of the
# nomination and the review build on the person record; importing them in this order keeps
# either import (a registry module or the forms) from meeting a half-initialized module.
from .. import forms as _forms  # noqa: E402,F401
