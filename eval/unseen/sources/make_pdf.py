"""Render the two-column table book of eval/unseen to PDF (WeasyPrint, Noto CJK SC).

    python eval/unseen/sources/make_pdf.py

The PDF in eval/unseen/books/ is committed so that the gold annotations stay fixed; this is
how it was made (re-run only when the source changes)."""

from pathlib import Path

from weasyprint import HTML

here = Path(__file__).resolve().parent
HTML(filename=str(here / "parks_2026.html")).write_pdf(str(here.parent / "books" / "parks_2026.pdf"))
