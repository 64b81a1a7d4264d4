"""What the programme's use cases return: frozen pydantic models that the JSON API serves as
its response models (so `/api/v1/openapi.json` is the shape the services build), and that the
CLI and the pages read by attribute. The selection's are here so far; the call, submission and
review services still return dicts (issue 24 left them for later)."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from ...services.records import Result  # the house's one base: frozen, a caller reads it
from ...vocab import Decision, FigureVerdict, VisitStatus


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
    # cases printed without the applicant's sign-off of a current proof (a warning, not a refusal:
    # a call that skips the finals stage has no proofs)
    unsigned: list[str] = []


# --- site visits (调研核实): what programme/services/visits.py returns


class VisitMember(Result):
    username: str  # in a blind call, a reviewer reads the panel's pseudonyms (评审专家 A …)
    display_name: str | None
    lead: bool


class ChecklistItem(Result):
    item: str
    done: bool = False
    note: str | None = None


class Evidence(Result):
    id: int
    kind: str  # vocab.EVIDENCE_KINDS: photo, document
    filename: str  # 照片 N / 文件 N for a reviewer of a blind call
    content_type: str
    size: int | None
    width: int | None = None
    height: int | None = None
    caption: str | None = None
    created_at: str
    withheld: bool = False  # a blind call's reviewer: not served (a photo or document cannot be redacted)
    note: str | None = None


class FigureCheck(Result):
    """One declared figure and the visit's verdict on it."""

    figure: str  # the figure's key (programme/domain/verdicts.py): the path of its verdict
    kind: str
    declared_value: float
    unit: str
    period: str
    status: str
    summary: str  # the declared figure in a line ("减排量 1.5万吨二氧化碳当量（每年）")
    verdict: FigureVerdict | None = None
    value: float | None = None  # adjusted: the value found, in `unit`
    note: str | None = None
    by: str | None = None
    at: str | None = None
    words: str | None = None  # "现场核查调整：申报 X → 核实 Y（调研核实，日期，说明）"


class Visit(Result):
    id: int
    call: int
    submission: int
    submission_title: str
    timezone: str
    starts_at: str  # UTC
    starts_local: str  # in the call's zone, named ("2027年4月2日 09:30（北京时间）")
    place: str
    status: VisitStatus
    team: list[VisitMember]
    notice: str | None  # the notice as mailed
    checklist: list[ChecklistItem] | None  # None: not shown to this reader (the applicant)
    report: str | None
    evidence: list[Evidence] | None
    figures: list[FigureCheck] | None  # the applicant sees them once the visit is done
    done_at: str | None
    blind: bool
    can: dict[str, bool]  # visit.manage, visit.record for this reader


# --- the communications centre (issue 25): templates, the outbox, panel invitations, reminders


class MailTemplate(Result):
    """One kind of mail in one language as a call sends it: its own wording or the default."""

    kind: str
    lang: str
    subject: str
    body: str
    custom: bool  # the call's own (else the default shipped with CaseAtlas)
    placeholders: dict[str, str]  # name → what it holds
    updated_at: str | None = None
    updated: str = ""  # when, in the call's zone


class Opinion(Result):
    """The panel's opinion of a submission as its decision letter carries it (None: the reviews'
    comments go instead)."""

    submission: int
    opinion: str | None


class RenderedMail(Result):
    subject: str
    body: str


class OutboxEntry(Result):
    """A message in the outbox (times in the call's zone, else the default zone)."""

    id: int
    call_id: int | None
    call_title: str | None
    kind: str
    to: str
    subject: str
    status: str  # queued, sent, failed, unsent
    attempts: int
    error: str | None
    lang: str | None
    message_id: str | None
    resend_of: int | None
    at: str  # queued (ISO-8601 UTC)
    queued: str  # when it was queued, for people
    sent_at: str | None
    sent: str  # when it was sent, for people ('' if not)
    timezone: str | None = None  # the call's zone: pages write `at`/`sent_at` in it, in the page's language


class OutboxMessage(OutboxEntry):
    """A message with its body as the outbox keeps it (a secret link cut out)."""

    body: str


class PanelInvitation(Result):
    username: str
    display_name: str | None
    email: str | None
    status: str  # pending, accepted, declined
    reason: str | None
    invited_at: str
    invited: str
    expires: str
    responded: str


class InvitationLink(Result):
    """What an invitation link is for, shown before it is answered."""

    call_id: int
    call_title: str
    username: str
    display_name: str | None
    review_deadline: str
    expires: str


class InvitationAnswer(Result):
    call_id: int
    call_title: str
    status: str
    removed_assignments: int


class ReminderSent(Result):
    """A reminder `reminders.run_due` queued and sent (once per call, kind, recipient, deadline, offset)."""

    call_id: int
    kind: str  # reminder_draft, reminder_review
    recipient: str  # user name
    to: str | None
    deadline: str  # the deadline reminded of (ISO-8601 UTC)
    offset_days: int  # days before it; -d: the d-th day overdue
    items: int  # drafts or reviews the mail lists
    notification_id: int | None
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
