"""Request and response shapes of the programme API (calls, submissions, reviews, selection)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from ...vocab import Decision, OutcomeKind, Period, Status
from ..services.calls import PRESETS

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(max_length=20_000)]


class Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class CriterionIn(BaseModel):
    key: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
    label: Name
    weight: float = Field(gt=0, le=100)
    description: Annotated[str, StringConstraints(max_length=500)] = ""


class Deadlines(BaseModel):
    submission_deadline: str | None = None
    review_deadline: str | None = None
    discussion_deadline: str | None = None
    decision_deadline: str | None = None


Zone = Annotated[str, StringConstraints(min_length=1, max_length=64)]  # an IANA key, checked by the service


class CallCreate(BaseModel):
    preset: Literal[tuple(PRESETS)] = "cteam"  # type: ignore[valid-type]
    name: Name
    year: int | None = Field(None, ge=1990, le=2100)
    domains: list[Name] | None = Field(None, min_length=1, max_length=30)
    organizers: list[Name] = Field(default_factory=list, max_length=20)
    supporters: list[Name] = Field(default_factory=list, max_length=50)
    description: Text | None = None
    contact: Annotated[str, StringConstraints(max_length=500)] | None = None
    deadlines: Deadlines = Field(default_factory=Deadlines)
    reviewers_per_submission: int = Field(3, ge=1, le=10)
    blind: StrictBool = False
    quotas: dict[str, int] = Field(default_factory=dict)
    template: list[Name] | None = Field(None, max_length=30)
    criteria: list[CriterionIn] | None = Field(None, max_length=12)
    # single: one review round (the call's criteria and k); season: 形式审查 → 初评 → 复评 → 终评
    rounds: Literal["single", "season"] = "single"
    timezone: Zone | None = None  # deadlines without a zone are read in it; Asia/Shanghai by default
    reminder_offsets: list[int] | None = Field(None, max_length=5)  # days before a deadline
    mail_lang: Literal["zh", "en"] | None = None


class CallUpdate(Deadlines):
    domains: list[Name] | None = Field(None, min_length=1, max_length=30)
    quotas: dict[str, int] | None = None
    blind: StrictBool | None = None
    reviewers_per_submission: int | None = Field(None, ge=1, le=10)
    aliases: list[list[Name]] | None = Field(None, max_length=200)
    timezone: Zone | None = None
    reminder_offsets: list[int] | None = Field(None, max_length=5)
    mail_lang: Literal["zh", "en"] | None = None


class ProgrammeOut(BaseModel):
    id: int
    slug: str
    name: str
    year: int | None
    organizers: list[str]
    supporters: list[str]
    description: str | None
    contact: str | None


class CallOut(Open):
    id: int
    title: str
    phase: str
    domains: list[str]
    template: list[str]
    criteria: list[dict]
    programme: ProgrammeOut
    my_role: str | None


class MemberIn(BaseModel):
    username: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.@-]{2,64}$")]
    role: str = Field("reviewer", pattern="^(reviewer|organizer)$")
    affiliation: Annotated[str, StringConstraints(max_length=200)] | None = None
    topics: list[Name] = Field(default_factory=list, max_length=30)
    email: Annotated[str, StringConstraints(max_length=254)] | None = None
    display_name: Annotated[str, StringConstraints(max_length=100)] | None = None
    password: Annotated[str, StringConstraints(min_length=10, max_length=200)] | None = None


class OrganizationsIn(BaseModel):
    organizations: list[Name] = Field(max_length=50)


class SectionIn(BaseModel):
    heading: Name
    text: Text = ""


class OutcomeIn(BaseModel):
    kind: OutcomeKind
    value: float = Field(ge=0, le=1e18)
    unit: Annotated[str, StringConstraints(max_length=16)] = ""
    period: Period = "unspecified"
    status: Status = "achieved"
    quote: Annotated[str, StringConstraints(max_length=500)] | None = None
    confirmed: StrictBool = True


class SubmissionIn(BaseModel):
    title: Name
    domain: Name
    sections: list[SectionIn] = Field(default_factory=list, max_length=40)
    outcomes: list[OutcomeIn] = Field(default_factory=list, max_length=50)


class SubmissionPatch(BaseModel):
    title: Name | None = None
    domain: Name | None = None
    sections: list[SectionIn] | None = Field(None, max_length=40)
    outcomes: list[OutcomeIn] | None = Field(None, max_length=50)


class SubmissionOut(Open):
    id: int
    call_id: int
    title: str
    domain: str | None
    status: str
    version: int
    organization: str | None
    sections: list[dict]
    outcomes: list[dict]
    phase: str


class FlagAnswerIn(BaseModel):
    answer: Annotated[str, StringConstraints(max_length=2000)] = ""


class SubmissionBrief(Open):
    id: int
    title: str
    domain: str | None
    status: str


class ReviewIn(BaseModel):
    scores: dict[str, float] = Field(default_factory=dict)
    comment: Text | None = None
    confidence: int | None = Field(None, ge=1, le=5)
    expert_comment: Text | None = None
    submit: StrictBool = False
    fields: dict[Annotated[str, StringConstraints(max_length=32)], Text] | None = Field(
        None, max_length=8
    )  # the round's


class UsernameIn(BaseModel):
    username: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.@-]{2,64}$")]


class ReasonIn(BaseModel):
    reason: Annotated[str, StringConstraints(max_length=300)] = ""


class CommentIn(BaseModel):
    body: Annotated[str, StringConstraints(min_length=1, max_length=10_000)]


class FinalCommentIn(BaseModel):
    text: Text = ""


class DecisionIn(BaseModel):
    submission: int = Field(ge=1, le=2_147_483_647)
    decision: Decision | None = None


class DecisionsIn(BaseModel):
    decisions: list[DecisionIn] = Field(max_length=5000)
    preview: StrictBool = True


class RegisterIn(BaseModel):
    username: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.@-]{2,64}$")]
    password: Annotated[str, StringConstraints(min_length=10, max_length=200)]
    organization: Name
    email: Annotated[str, StringConstraints(max_length=254, pattern=r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")]
    display_name: Annotated[str, StringConstraints(max_length=100)] | None = None
    lang: Literal["zh", "en"] | None = Field(
        None, description="The language the site's mails to the account are written in"
    )
