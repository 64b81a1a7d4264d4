"""Conflicts of interest from organization names.

A reviewer is conflicted with a submission when one of the reviewer's organizations (the
affiliation, and any organization the reviewer declared) is the applicant's organization or in
its group, as the library resolves organizations (`caseatlas.organizations`: legal forms,
brackets, place prefixes, abbreviations, brand and legal names, members and branches of a
group). Groups whose names share nothing a rule could see are named by the organizer as the
call's alias groups; the library's confirmed merges and splits apply too.
"""

from __future__ import annotations

from typing import Iterable

from ..organizations import same_group


def conflicted(reviewer_orgs: Iterable[str], applicant_org: str, aliases: Iterable[Iterable[str]] = (),
               decisions: Iterable[tuple[str, str, str]] = ()) -> str | None:
    """The reviewer organization that conflicts with the applicant's, or None."""
    aliases = [list(g) for g in aliases]
    decisions = list(decisions)
    for org in reviewer_orgs:
        if org and same_group(org, applicant_org, aliases, decisions):
            return org
    return None
