"""Conflicts of interest from organization names.

A reviewer is conflicted with a submission when one of the reviewer's organizations (the
affiliation, the account's organization, and any organization the reviewer declared) is the
applicant's organization or in its group, as the library resolves organizations
(`caseatlas.organizations`: legal forms, brackets, place prefixes, abbreviations, brand and legal
names, a group's names and short names, members and branches of a group, institutes named after
it). Groups whose names share nothing a rule could see are named by the organizer as the
call's alias groups; people's merges and splits apply too.

`detect` resolves all the names of a call in one pass (as the library resolves its cases) and
says, for each conflicted pair, which names matched and why (the rule, alias or known name).
"""

from __future__ import annotations

from collections.abc import Iterable

from ...organizations import Relation, relations, same_group

# Bump when a rule here or in caseatlas.organizations changes what is detected: stored
# conflicts computed under another version are computed again (known.toml is hashed apart).
RULES_VERSION = "3"  # 3: reasons stored as data too (group, links), written in either language


def detect(
    reviewers: dict[int, list[str]],
    submissions: dict[int, str],
    aliases: Iterable[Iterable[str]] = (),
    decisions: Iterable[tuple[str, str, str]] = (),
) -> dict[tuple[int, int], Relation]:
    """{(submission, reviewer): Relation} for every pair whose organizations are one
    organization or one group. `reviewers`: id → names; `submissions`: id → organization."""
    found = relations(reviewers, submissions, [list(g) for g in aliases], list(decisions))
    return {(s, r): rel for (r, s), rel in found.items()}


def conflicted(
    reviewer_orgs: Iterable[str],
    applicant_org: str,
    aliases: Iterable[Iterable[str]] = (),
    decisions: Iterable[tuple[str, str, str]] = (),
) -> str | None:
    """The reviewer organization that conflicts with the applicant's, or None (one pair)."""
    aliases = [list(g) for g in aliases]
    decisions = list(decisions)
    for org in reviewer_orgs:
        if org and same_group(org, applicant_org, aliases, decisions):
            return org
    return None
