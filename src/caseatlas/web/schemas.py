"""The JSON API's own shapes: request bodies, errors, and the answers only the web builds
(login, removal, upload, search). What a service returns is its own pydantic model
(`services.records`, `services.accounts.User` …), served as the response model as it is, so
/api/v1/openapi.json describes what is really sent (schemathesis checks the two agree:
docs/benchmarks.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from ..services.accounts import MAX_PASSWORD, USERNAME, User
from ..vocab import Role


class ErrorDetail(BaseModel):
    status: int
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail


class VerdictIn(BaseModel):
    verdict: Literal["confirmed", "dismissed"] | None = Field(description="None clears the verdict")
    note: str | None = Field(default=None, max_length=2000)


class OrganizationDecisionIn(BaseModel):
    a: str = Field(min_length=2, max_length=200)
    b: str = Field(min_length=2, max_length=200)
    decision: Literal["same", "different"] | None = Field(description="None withdraws an earlier decision")
    note: str | None = Field(default=None, max_length=2000)


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
    # How many of the typed words the case has (queries of several words only).
    words: int | None = Field(default=None, exclude_if=lambda v: v is None)
    explanation: str


class HitOrganization(BaseModel):
    name: str  # the organization record the case names
    group: str  # its group (the top organization): what the organization facet counts


class Hit(BaseModel):
    case_id: str
    source_file: str
    start_line: int
    end_line: int
    title: str
    organization: str | None
    organizations: list[HitOrganization] = []
    chapter: str | None
    collection: str
    year: int | None
    score: float
    matched: Matched
    snippets: list[Snippet]


class FacetValue(BaseModel):
    value: str
    count: int


class SearchCoverage(BaseModel):
    covered: int  # cases with vectors
    cases: int  # cases in the library


class SearchResponse(BaseModel):
    query: str
    mode: str
    match: str = "all"  # "all": every typed word; "any": any of them
    relaxed: bool = False  # every word was asked for, no case has them all: the cases with any
    words: int = 0  # the words the query requires or offers
    any_total: int | None = None  # "all" with several words: the cases with any of them
    coverage: SearchCoverage | None = None  # the dense leg ran with vectors for only some cases
    total: int
    offset: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]]


class FacetsResponse(BaseModel):
    total: int
    facets: dict[str, list[FacetValue]]


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
    lang: Literal["zh", "en"] | None = Field(
        None, description="The language the site's mails to the account are written in (none: not stated)"
    )


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


class LoginResult(BaseModel):
    user: User
    csrf_token: str


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


class BookJobIn(BaseModel):
    """A book to build in the background: a collection (slug), or a programme's selection."""

    key: str = Field(min_length=1, max_length=300, description="Collection slug, call:ID or a programme's slug")
    format: Literal["pdf", "html"] = "pdf"
    english: bool = False


class EmbedJobIn(BaseModel):
    batch: int = Field(default=32, ge=1, le=256, description="Passages per batch (one transaction each)")
