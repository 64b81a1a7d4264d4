"""`caseatlas` command line: small composable verbs, each a thin shell over `services`.

Sub-apps: library verbs (ingest, collections, cases, show, export, remove, demo), discovery
(search, similar, embed), totals, checks (and verdict), publish (and roundtrip), serve, worker, `orgs …`
(organizations across books), `eval …`, `users …`, audit, `programme …` (calls for cases)."""

from __future__ import annotations

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


def main() -> None:
    app()


if __name__ == "__main__":
    main()
