"""Publishing: a collection's records → a book (`edition.py`), typeset as a static HTML
edition or a print PDF (`render.py`), and checked by reading it back (`roundtrip.py`)."""

MANIFEST = "edition.json"  # marks a folder as a published HTML edition: ingest reads its book.html
