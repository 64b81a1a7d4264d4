"""Programmes: calls for cases, submissions, review, selection and the published book.

The package repeats the house's layering inside itself, and `tests/test_architecture.py`
holds it to that: `domain/` is the logic without I/O (presets, prefill, conflict detection,
assignment, scoring, phases); `services/` are the use cases, which read and write through
`caseatlas.store.programmes` (every SQL statement stays in `store`) and share the library's
`services` kernel (context, permission rules, audit, notifications, accounts); `web/` (API,
schemas, pages, templates) and `cli.py` are shells over `services/` only.
"""
