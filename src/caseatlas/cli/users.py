"""`caseatlas users …` and `caseatlas audit`: accounts for the web app, and who changed what.

There is no default account: the first admin is made here, on the machine that holds the
library (`caseatlas users add NAME --role admin`), with a password typed at a prompt or
piped on standard input. Any other account can be invited instead (`--invite`): its owner
chooses the password through a single-use link, mailed to `--email` and printed once here."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from ..services import accounts, audit
from ..vocab import ROLES
from .common import LISTING_HELP, DbOption, Listing, context, key, out, run, text

app = typer.Typer(no_args_is_help=True, help="Accounts and roles for the web app.")
audit_app = typer.Typer()
RoleOption = Annotated[str, typer.Option("--role", help=f"One of {', '.join(ROLES)}.")]


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return typer.prompt("password", hide_input=True, confirmation_prompt=True)


@app.command("add")
def add(
    username: str,
    role: RoleOption = "applicant",
    display_name: Annotated[str | None, typer.Option("--name", help="Name shown in the app.")] = None,
    organization: Annotated[str | None, typer.Option("--organization")] = None,
    email: Annotated[str | None, typer.Option("--email", help="Where notifications and the invitation go.")] = None,
    invite: Annotated[
        bool,
        typer.Option(
            "--invite", help="No password: send an invitation link (printed once) where the user chooses one."
        ),
    ] = False,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Add a user (the first admin too).

    The password is asked for (and checked: long and hard to guess), or the user is invited;
    there is never a default."""
    ctx = context(db)
    password = None if invite else _password(password_stdin)
    user = run(lambda: accounts.add_user(ctx, username, password, role, display_name, organization, email))
    out.print(f"added {user.username} ({user.role})", highlight=False)
    if user.invitation:
        _print_invitation(user.email, user.invitation)


def _print_invitation(email: str | None, link: str) -> None:
    where = f"mailed to {email}" if email else "no e-mail address: pass it on yourself"
    out.print(f"invitation ({where}; valid {accounts.INVITE_DAYS} days, works once, shown only now):", highlight=False)
    out.print(link, highlight=False, soft_wrap=True)


@app.command("invite")
def invite_cmd(username: str, db: DbOption = None) -> None:
    """A new invitation link for a user: printed once, mailed to the user's address.

    Older links stop working."""
    r = run(lambda: accounts.invite(context(db), username))
    _print_invitation(r.email, r.invitation)


@app.command("list", epilog=LISTING_HELP)
def list_cmd(db: DbOption = None) -> None:
    """Users with their roles."""
    rows = run(lambda: accounts.list_users(context(db)))
    table = Listing(
        key("username"),
        "role",
        "active",
        text("name"),
        text("organization"),
        "created",
        empty="No users yet: make the first admin with `caseatlas users add NAME --role admin`.",
    )
    for u in rows:
        table.add_row(u.username, u.role, "yes" if u.active else "no", u.display_name, u.organization, u.created_at)
    table.print()


@app.command("set-role")
def set_role(
    username: str, role: Annotated[str, typer.Argument(help=f"One of {', '.join(ROLES)}.")], db: DbOption = None
) -> None:
    """Change a user's role (their sessions end)."""
    user = run(lambda: accounts.update_user(context(db), username, role=role))
    out.print(f"{user.username} is now {user.role}", highlight=False)


@app.command("disable")
def disable(username: str, db: DbOption = None) -> None:
    """Stop a user from logging in (their sessions end)."""
    run(lambda: accounts.update_user(context(db), username, active=False))
    out.print(f"{username} disabled", highlight=False)


@app.command("passwd")
def passwd(
    username: str, password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False, db: DbOption = None
) -> None:
    """Set a user's password (their sessions end)."""
    ctx = context(db)
    password = _password(password_stdin)
    run(lambda: accounts.update_user(ctx, username, password=password))
    out.print(f"password of {username} changed", highlight=False)


@audit_app.command("audit", epilog=LISTING_HELP)
def audit_cmd(limit: Annotated[int, typer.Option("--limit", "-n")] = 50, db: DbOption = None) -> None:
    """The audit log, newest first: who changed what."""
    rows = run(lambda: audit.entries(context(db), limit))
    table = Listing("at", key("actor"), "action", key("target"), text("detail"), empty="The audit log is empty.")
    for r in rows:
        table.add_row(r.at, r.actor, r.action, r.target, ", ".join(f"{k}={v}" for k, v in r.detail.items()))
    table.print()
