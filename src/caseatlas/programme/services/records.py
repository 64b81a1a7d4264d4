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


class DomainRanking(Result):
    domain: str
    rows: list[RankedSubmission]  # best raw total first, unreviewed last


class Ranking(Result):
    call: int
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
    # cases printed without the applicant's sign-off of a current proof (a warning, not a refusal:
    # a call that skips the finals stage has no proofs)
    unsigned: list[str] = []


# --- final versions, 专家点评, proofs and the book's settings (issue 25: services/finals.py)


class CommitteeRow(Result):
    name: str
    role: str | None = None
    affiliation: str | None = None


class Logo(Result):
    id: int
    name: str
    content_type: str
    width: int
    height: int


class BookSettings(Result):
    """A call's book: its own title (default: the programme's name without 征集), front matter,
    and the finals stage (deadline, English texts collected)."""

    call: int
    title: str
    default_title: str
    subtitle: str | None
    year: int | None
    english_title: str | None
    committee: list[CommitteeRow]
    foreword: list[str]
    logos: list[Logo]
    finals_deadline: str | None  # ISO UTC; set: the finals stage is open
    english: bool
    timezone: str  # the call's zone, where people read the deadline


class Photo(Result):
    id: int
    filename: str
    content_type: str
    width: int
    height: int
    caption: str | None
    credit: str | None


class FinalVersion(Result):
    version: int
    kind: str  # submitted (applicant), edited (organizer), as_submitted
    by: str | None
    at: str
    note: str | None


class Change(Result):
    what: str
    removed: list[str]
    added: list[str]


class ReviewerDraft(Result):
    reviewer_id: int
    reviewer: str
    text: str


class ExpertComment(Result):
    text: str | None
    source: str | None  # organizer, or the reviewer whose draft it is
    comment_by: str | None  # 点评专家, as printed
    approved: bool
    approved_at: str | None
    approved_by: str | None


class Proof(Result):
    id: int
    version: int
    sha256: str
    pages: int
    made_at: str
    status: str  # vocab.PROOF_STATUSES
    note: str | None
    answered_at: str | None
    current: bool  # prints the approved text of now (a newer approval makes an older sign-off void)


class FinalDetail(Result):
    submission: int
    call: int
    state: str  # vocab.FINAL_STATES
    title: str
    organization: str | None
    domain: str | None
    text: dict  # the latest final text (or the submitted text as a start): title, sections, outcomes, english_*
    template: list[str]
    english: bool
    finals_deadline: str | None
    timezone: str
    version: int
    approved_version: int | None
    submitted_at: str | None
    edited_at: str | None
    approved_at: str | None
    approved_by: str | None
    versions: list[FinalVersion]
    changes: list[Change]  # the latest version against the one before (the organizer's copy-edits)
    photos: list[Photo]
    comment: ExpertComment | None  # the applicant sees only an approved one
    drafts: list[ReviewerDraft]  # organizers only: the reviewers' drafts to choose from
    proofs: list[Proof]
    can_write: bool
    can_sign: bool
    can_manage: bool


class FinalRow(Result):
    submission: int
    title: str
    organization: str | None
    domain: str | None
    state: str
    version: int
    approved_version: int | None
    comment: str  # none, draft or approved
    proof: str | None  # the latest current proof's status
    signed: bool


class FinalsOverview(Result):
    call: int
    book: BookSettings
    rows: list[FinalRow]
    approved: int
    signed: int


class Approved(Result):
    """What a bulk approval did: the submissions whose submitted text became their approved final."""

    call: int
    approved: list[int]
