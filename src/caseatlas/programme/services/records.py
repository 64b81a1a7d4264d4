"""What the programme's use cases return: frozen pydantic models that the JSON API serves as
its response models (so `/api/v1/openapi.json` is the shape the services build), and that the
CLI and the pages read by attribute. The selection's are here so far; the call, submission and
review services still return dicts (issue 24 left them for later)."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from ...services.records import Result  # the house's one base: frozen, a caller reads it
from ...vocab import Decision


class RankedSubmission(Result):
    submission: int
    title: str
    organization: str | None
    n_reviews: int
    raw: float | None  # mean weighted total, on the call's scale
    normalized: float | None  # mean of the reviewers' z-scores
    spread: float | None  # standard deviation of the totals
    dispersed: bool  # the reviews disagree (tuning.DISPERSION)
    decision: str | None  # as stored: a "revise" from an older version is shown
    totals: dict[str, float]  # reviewer → weighted total
    earlier: dict[str, float | None] = {}  # earlier review round's key → its mean total


class RoundColumn(Result):
    """An earlier review round, as a column of a round's ranking."""

    key: str
    label: str
    scale: list[int]


class DomainRanking(Result):
    domain: str
    rows: list[RankedSubmission]  # best raw total first, unreviewed last


class Ranking(Result):
    call: int
    round: int | None = None  # the review round ranked (programme/services/rounds.py)
    round_key: str | None = None
    round_label: str | None = None
    earlier_rounds: list[RoundColumn] = []  # the review rounds before it, in order
    scale: list[int]  # [min, max]
    criteria: list[dict]
    quotas: dict[str, int]
    accepted: dict[str, int]  # domain → accepted so far
    domains: list[DomainRanking]  # in the call's order


class Proposal(Result):
    submission: int
    decision: Decision


class DecisionChange(Result):
    model_config = ConfigDict(frozen=True, populate_by_name=True)

    submission: int
    title: str
    domain: str | None
    from_: str | None = Field(alias="from")  # serialized as "from", as the API always sent it
    to: Decision | None


class Decisions(Result):
    changes: list[DecisionChange]
    accepted: dict[str, int]  # domain → accepted, with the changes
    over_quota: dict[str, int]  # the domains the changes would take past their quota
    applied: bool  # False: a preview


class FinalComment(Result):
    submission: int
    final_comment: str | None


class Published(Result):
    collection: str  # the book's slug
    cases: int
    status: str  # added, replaced or unchanged
