"""`caseatlas` command line: small composable verbs, each a thin shell over `services`.

Sub-apps: library verbs (ingest, collections, cases, show, export, remove, demo), discovery
(search, similar, embed), totals, checks (and verdict), publish (and roundtrip), serve, worker, `orgs …`
(organizations across books), `eval …`, `users …`, audit, `programme …` (calls for cases)."""

from __future__ import annotations

import inspect

import typer

from ..programme import cli as programme
from . import checks, discovery, evaluation, insights, jobs, library, organizations, publishing, server, users

app = typer.Typer(
    add_completion=False, no_args_is_help=True, help="CaseAtlas 案例图谱: a library of climate-action case collections."
)
for sub in (
    library.app,
    discovery.app,
    insights.app,
    checks.app,
    publishing.app,
    server.app,
    jobs.app,
    users.audit_app,
):
    app.registered_commands.extend(sub.registered_commands)
app.add_typer(evaluation.app, name="eval")
app.add_typer(users.app, name="users")
app.add_typer(programme.app, name="programme")
app.add_typer(organizations.app, name="orgs")


def _reflow(doc: str) -> str:
    """A docstring as help: its paragraphs' lines joined (typer's rich help keeps the source's
    line breaks, so a paragraph broke mid-sentence at the terminal's width, and the command
    list showed the first paragraph's two source lines)."""
    paragraphs = inspect.cleandoc(doc).split("\n\n")
    return "\n\n".join(" ".join(line.strip() for line in p.splitlines()) for p in paragraphs)


def _reflow_help(typer_app: typer.Typer) -> None:
    for info in typer_app.registered_commands:
        doc = info.help or (info.callback and info.callback.__doc__)
        if doc:
            info.help = _reflow(doc)
    if typer_app.registered_callback and typer_app.registered_callback.callback.__doc__:
        cb = typer_app.registered_callback
        cb.help = _reflow(cb.help or cb.callback.__doc__)
    for group in typer_app.registered_groups:
        _reflow_help(group.typer_instance)


_reflow_help(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
