"""Response shapes of the JSON API, so /api/v1/openapi.json describes what is really sent
(schemathesis checks the two agree: docs/benchmarks.md)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from ..services.accounts import MAX_PASSWORD, USERNAME
from ..vocab import Origin, OutcomeKind, Period, Role, Scope, Status


class ErrorDetail(BaseModel):
    status: int
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail


class Collection(BaseModel):
    slug: str
    title: str
    source_file: str
    publisher: str | None
    year: int | None
    n_cases: int
    chapters: list[str]
    experts: list[str]
    foreword: str | None
    format: str


class Region(BaseModel):
    province: str
    city: str | None
    quote: str
    line: int


class Sector(BaseModel):
    topic: str | None
    industry: str | None
    quote: str | None
    line: int | None


class Evidence(BaseModel):
    quote: str
    line: int


class Metric(BaseModel):
    id: str  # stable fact id
    value: float
    value_max: float | None
    unit: str
    kind: OutcomeKind
    period: Period
    status: Status  # achieved, target, hypothetical, projection
    scope: Scope  # project, organization, sector
    qualifier: str | None
    quote: str
    line: int
    evidence: list[Evidence]
    origin: Origin = "extracted"  # extracted from the text, or declared by the applicant as data
    span: list[int] | None = None  # [first year, last year] a figure covers, when the text says so


class Measure(BaseModel):
    name: str
    category: str | None
    quote: str
    line: int


class Named(BaseModel):
    name: str
    quote: str
    line: int


class Target(BaseModel):
    target: str
    detail: str | None
    quote: str
    line: int


class SectionRange(BaseModel):
    heading: str
    start_line: int
    end_line: int


class SourceLine(BaseModel):
    line_no: int
    page: int | None
    raw: str
    text: str


class CaseBrief(BaseModel):
    id: str
    collection: str
    source_file: str
    start_line: int
    end_line: int
    title: str
    organization: str | None
    chapter: str | None
    year: int | None
    region: Region | None
    sector: Sector | None
    measures: list[str]
    n_metrics: int


class CasePage(BaseModel):
    total: int
    page: int
    page_size: int
    items: list[CaseBrief]


class Flag(BaseModel):
    """A claim check's finding: which figures cannot all be true, with the arithmetic."""

    id: str
    check: str
    severity: Literal["error", "warning", "note"]
    message: str
    message_en: str
    lines: list[int]
    quotes: list[str]
    values: dict[str, float]
    reference: str | None
    verdict: Literal["confirmed", "dismissed"] | None
    verdict_note: str | None
    verdict_by: str | None


class CaseFlag(Flag):
    case_id: str
    case_title: str
    collection: str


class VerdictIn(BaseModel):
    verdict: Literal["confirmed", "dismissed"] | None = Field(description="None clears the verdict")
    note: str | None = Field(default=None, max_length=2000)


class Verdict(BaseModel):
    id: str
    verdict: Literal["confirmed", "dismissed"] | None
    note: str | None


class CaseOrganization(BaseModel):
    """An organization a case names, as resolved across books."""

    id: str = Field(description="The organization's stable id (/api/v1/organizations/{id})")
    name: str
    group_id: str = Field(description="The top of its group (itself when it belongs to none)")
    as_printed: str
    source: Literal["printed", "title"]


class OrganizationBrief(BaseModel):
    id: str
    name: str
    known: bool
    parent_id: str | None
    parent: str | None
    group_id: str
    n_cases: int
    n_books: int
    group_cases: int = Field(description="Cases of the organization and its members")
    group_books: int


class OrganizationRef(BaseModel):
    id: str
    name: str


class OrganizationMember(OrganizationRef):
    parent_id: str | None


class OrgOutcome(BaseModel):
    id: str
    value: float
    unit: str
    period: Period
    quote: str
    line: int


class OrgCase(BaseModel):
    id: str
    title: str
    collection: str
    year: int | None
    organization: str | None
    as_: str = Field(alias="as", description="The organization (or member) the case names")
    outcomes: dict[str, list[OrgOutcome]] = Field(description="Achieved project outcomes of the core kinds")

    model_config = {"populate_by_name": True}


class OrganizationDecisionRecord(BaseModel):
    a_name: str
    b_name: str
    decision: Literal["same", "different"]
    note: str | None
    username: str
    at: str


class Organization(BaseModel):
    id: str
    name: str
    known: bool
    aliases: list[str]
    parent: OrganizationRef | None
    members: list[OrganizationMember]
    n_books: int
    cases: list[OrgCase]
    kinds: list[str]
    decisions: list[OrganizationDecisionRecord]


class OrganizationDecisionIn(BaseModel):
    a: str = Field(min_length=2, max_length=200)
    b: str = Field(min_length=2, max_length=200)
    decision: Literal["same", "different"] | None = Field(description="None withdraws an earlier decision")
    note: str | None = Field(default=None, max_length=2000)


class OrganizationDecision(BaseModel):
    a: str
    b: str
    decision: Literal["same", "different"] | None
    organizations: dict[str, str | None]


class CaseRecord(BaseModel):
    """The export contract (README): names are stable, later versions only add fields."""

    id: str
    collection: str
    source_file: str
    start_line: int
    end_line: int
    page: int | None
    title: str
    organization: str | None
    organization_id: str | None = Field(description="The organization (across books) the case names first")
    organizations: list[CaseOrganization]
    chapter: str | None
    sections: list[SectionRange]
    text: str
    year: int | None
    metrics: list[Metric]
    region: Region | None
    sector: Sector | None
    measures: list[Measure]
    standards: list[Named]
    systems: list[Named]
    targets: list[Target]
    flags: list[Flag]


class CaseTable(BaseModel):
    """A table printed in the case (`models.Table`), as read on ingest: value columns with their
    header and unit, each row's label, cells as printed and the line and page that print it."""

    form: Literal["tab", "grid"]
    header: list[str]
    units: list[str]
    labels: list[str]
    cells: list[list[str]]
    lines: list[int]
    pages: list[int | None]
    totals: list[int] = Field(description="Rows that add up the rows above them (合计, 小计)")
    row_units: list[str]
    header_lines: list[int]
    complete: bool


class CaseDetail(CaseRecord):
    lines: list[SourceLine]
    tables: list[CaseTable] = Field(default_factory=list)


class Snippet(BaseModel):
    text: str
    highlights: list[list[int]]
    start_line: int
    end_line: int
    section: str | None


class Matched(BaseModel):
    terms: list[str]
    # Only when the dense leg scored the case (absent, not null, as the search has always sent it).
    semantic: float | None = Field(default=None, exclude_if=lambda v: v is None)
    explanation: str


class Hit(BaseModel):
    case_id: str
    source_file: str
    start_line: int
    end_line: int
    title: str
    organization: str | None
    chapter: str | None
    collection: str
    year: int | None
    score: float
    matched: Matched
    snippets: list[Snippet]


class FacetValue(BaseModel):
    value: str
    count: int


class SearchResponse(BaseModel):
    query: str
    mode: str
    total: int
    offset: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]]


class FacetsResponse(BaseModel):
    total: int
    facets: dict[str, list[FacetValue]]


class OutcomeGroup(BaseModel):
    group: str
    unit: str
    total: float
    outcomes: int
    cases: int


class TotalContributor(BaseModel):
    case_id: str
    title: str
    collection: str = Field(description="The title of the case's book")
    value: float = Field(description="The case's figures in this total, summed (the total's unit)")
    share: float = Field(ge=0, description="value / the total (0–1)")
    outcome_id: str = Field(
        description="The case's largest figure in this total (metrics id): /cases/{case_id}#L{line}"
    )
    line: int


class Total(BaseModel):
    kind: OutcomeKind
    unit: str
    period: Period
    total: float = Field(description="Sum of the figures counted (without the flagged ones when unflagged=true)")
    n_outcomes: int
    n_cases: int
    total_all: float = Field(description="Sum of every figure, flagged or not")
    flagged_value: float = Field(description="Part of total_all that figures with a standing (not dismissed) flag make")
    flagged_share: float = Field(ge=0, description="flagged_value / total_all (0–1)")
    flagged_outcomes: int
    flagged_cases: int
    contributors: list[TotalContributor] = Field(description="The cases that add most, largest first")
    dominant: bool = Field(description="One case makes more than 30 % of the total")


class Totals(BaseModel):
    collections: int
    cases: int
    outcomes: int
    by_kind: list[Total] = Field(
        description="Achieved project figures of the additive kinds, per kind, unit and period"
    )
    not_summed: dict[str, int] = Field(description="Figures of the additive kinds not summed, by status or scope")
    unflagged: bool
    flagged_left_out: int = Field(description="Figures of the totals a standing flag cites (left out when unflagged)")


class AttributeCount(BaseModel):
    value: str
    cases: int


class User(BaseModel):
    username: str
    display_name: str | None
    organization: str | None
    role: Role
    active: bool
    created_at: str


class NewUser(BaseModel):
    username: str = Field(pattern=USERNAME.pattern)
    password: str | None = Field(
        None,
        max_length=MAX_PASSWORD,
        description="Checked for strength (400 with the reason). Without one, the account is invited: its owner "
        "chooses it",
    )
    role: Role = "applicant"
    display_name: str | None = None
    organization: str | None = None
    email: str | None = Field(None, max_length=254, description="Where the invitation is sent")


class NewUserResult(User):
    invitation: str | None = Field(None, description="The invitation link, shown once (when no password was given)")


class Invitation(BaseModel):
    username: str
    email: str | None
    invitation: str = Field(description="The link, shown once; mailed when the account has an address")


class LinkPassword(BaseModel):
    token: str = Field(min_length=1, max_length=128, description="The token of the invitation or reset link")
    password: str = Field(max_length=MAX_PASSWORD)


class ForgotIn(BaseModel):
    login: str = Field(min_length=1, max_length=254, description="User name or e-mail address")


class Accepted(BaseModel):
    message: str


class PasswordChange(BaseModel):
    current_password: str = Field(max_length=MAX_PASSWORD)
    new_password: str = Field(max_length=MAX_PASSWORD)


class UserChange(BaseModel):
    role: Role | None = None
    active: bool | None = None
    password: str | None = Field(
        None, max_length=MAX_PASSWORD, description="Checked for strength (400 with the reason)"
    )


class Credentials(BaseModel):
    username: str
    password: str


class Me(BaseModel):
    kind: str
    username: str | None
    role: str | None
    can: list[str]


class LoginResult(BaseModel):
    user: User
    csrf_token: str


class AuditEntry(BaseModel):
    id: int
    at: str
    actor: str
    action: str
    target: str | None
    detail: dict[str, Any]


class IngestResult(BaseModel):
    file: str
    status: str
    cases: int
    kept: int
    removed: int
    error: str | None


class Removed(BaseModel):
    collection: str
    cases: int


class Embedded(BaseModel):
    embedded: int
