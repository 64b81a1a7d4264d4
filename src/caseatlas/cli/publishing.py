"""`caseatlas publish`: a collection or a programme's selection as a book (HTML or PDF)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..services import publishing
from ..vocab import EditionFormat
from .common import DbOption, context, out, progress_bar, run

app = typer.Typer()


@app.command()
def publish(
    key: Annotated[str, typer.Argument(help="Collection (slug, file name or title), or a programme's slug / call:ID.")],
    format: Annotated[
        EditionFormat, typer.Option("--format", "-f", help="html: a folder that works offline; pdf: a print PDF")
    ] = "pdf",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="The PDF file, or the HTML folder")] = None,
    english: Annotated[bool, typer.Option("--english", help="Add English front matter")] = False,
    db: DbOption = None,
) -> None:
    """Publish a collection as a book (PDF, or an HTML folder).

    Cover, front matter, panel, contents with page numbers, chapters, each case with its
    sections and a table of its outcomes with their source lines."""
    ctx = context(db)
    target = output or Path(f"{key.replace(':', '_')}.pdf" if format == "pdf" else key.replace(":", "_"))
    with progress_bar("publishing") as progress:
        info = run(lambda: publishing.publish(ctx, key, format, target, english=english, progress=progress))
    pages = f", {info.pages} pages" if info.pages else ""
    out.print(f"published {info.cases} cases{pages} → {info.path}", highlight=False)


@app.command("roundtrip")
def roundtrip_cmd(
    key: Annotated[str, typer.Argument(help="Collection or programme to publish and read back")],
    format: Annotated[EditionFormat, typer.Option("--format", "-f")] = "pdf",
    db: DbOption = None,
) -> None:
    """Publish, read the edition back into a fresh library, and compare.

    Compared: cases, titles, organizations, chapters, sections, core outcomes."""
    ctx = context(db)
    r = run(lambda: publishing.roundtrip(ctx, key, format))
    out.print(
        f"{r.collection} ({format}): cases F1 {r.f1:.3f} ({r.matched}/{r.cases}, read back {r.read_back}); "
        f"organizations {r.same_organization}/{r.matched}, chapters {r.same_chapter}/{r.matched}, "
        f"sections {r.same_sections}/{r.matched}; core outcomes {r.core_found}/{r.core_outcomes} "
        f"(recall {r.core_recall:.3f}); front matter {r.meta}",
        highlight=False,
    )
