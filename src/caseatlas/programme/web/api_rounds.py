"""Rounds of review API, /api/v1: a call's rounds (define, reorder, open, close), the shortlist that
carries submissions on, the formal check (形式审查) of a check round, and per-round assignments,
ranking and earlier scores. Thin shells over `programme/services/rounds.py`; the request bodies
are here (they are this router's alone), the answers are the service's own records.

A season, as a client drives it: `POST /calls/{id}/rounds/season` (or define rounds one by one),
`PATCH /rounds/{id}` while pending, `POST /rounds/{id}/open`, then per round either
`PUT /rounds/{id}/checks/{submission}` (check rounds) or `POST /rounds/{id}/assign` and the
reviewers' `PUT /submissions/{id}/review` (review rounds), `GET /rounds/{id}/ranking`, and
`POST /rounds/{id}/close` with the shortlist."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from ...vocab import CheckVerdict, EntryState, RoundKind
from ...web.deps import ReadContext, RowId, WriteContext
from ...web.schemas import ErrorBody
from ..services import records, reviews, rounds, selection
from .schemas import CriterionIn, Name, Open, Text

_ERRORS = {code: {"model": ErrorBody} for code in (400, 401, 403, 404, 409, 413, 422)}
router = APIRouter(tags=["rounds"], responses=_ERRORS)  # under /api/v1: included by api.py

Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
Username = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.@-]{2,64}$")]
RoundQuery = Annotated[int | None, Query(alias="round", ge=1, le=2_147_483_647, description="a round's id")]


class FieldIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: Key
    label: Name


class RoundPatch(BaseModel):
    """What may change in a pending round (an open round: its deadline only). Left out: unchanged."""

    model_config = ConfigDict(extra="forbid")

    label: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)] | None = None
    criteria: list[CriterionIn] | None = Field(None, min_length=1, max_length=12)
    scale_min: int | None = Field(None, ge=0, le=99)
    scale_max: int | None = Field(None, ge=1, le=100)
    fields: list[FieldIn] | None = Field(None, max_length=8)
    pool: list[Username] | None = Field(None, max_length=200)  # the panel's usernames; [] = the whole panel
    k: int | None = Field(None, ge=0, le=10)
    deadline: Annotated[str, StringConstraints(max_length=40)] | None = None
    see_earlier: StrictBool | None = None
    see_peers: StrictBool | None = None


class RoundIn(RoundPatch):
    key: Key
    label: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
    kind: RoundKind


class OrderIn(BaseModel):
    keys: list[Key] = Field(min_length=1, max_length=8)


class EntryIn(BaseModel):
    submission: int = Field(ge=1, le=2_147_483_647)
    state: EntryState
    reason: Annotated[str, StringConstraints(max_length=2_000)] | None = None


class ShortlistIn(BaseModel):
    entries: list[EntryIn] = Field(default_factory=list, max_length=2_000)


class TickIn(BaseModel):
    ok: StrictBool | None = None
    note: Annotated[str, StringConstraints(max_length=500)] | None = None


class CheckIn(BaseModel):
    items: dict[Key, TickIn] = Field(default_factory=dict, max_length=10)
    verdict: CheckVerdict | None = None
    reasons: Text | None = None


def _spec(body: RoundPatch) -> dict:
    spec = body.model_dump(exclude_unset=True)
    if body.criteria is not None:
        spec["criteria"] = [c.model_dump() for c in body.criteria]
    if body.fields is not None:
        spec["fields"] = [f.model_dump() for f in body.fields]
    return spec


@router.get(
    "/calls/{call_id}/rounds",
    summary="The call's rounds in order: form, pool, k, deadline, visibility, status; which is current",
    response_model=list[rounds.Round],
)
def rounds_list(ctx: ReadContext, call_id: RowId) -> list[rounds.Round]:
    return rounds.list_rounds(ctx, call_id)


@router.post(
    "/calls/{call_id}/rounds",
    summary="Add a round at the end, pending (organizer): key, label, kind check|review, its form and panel",
    response_model=rounds.Round,
)
def rounds_create(ctx: WriteContext, call_id: RowId, body: RoundIn) -> rounds.Round:
    return rounds.create_round(ctx, call_id, _spec(body))


@router.put(
    "/calls/{call_id}/rounds/order",
    summary="Reorder the rounds by key (only pending rounds move, after those that opened)",
    response_model=list[rounds.Round],
)
def rounds_reorder(ctx: WriteContext, call_id: RowId, body: OrderIn) -> list[rounds.Round]:
    return rounds.reorder_rounds(ctx, call_id, body.keys)


@router.post(
    "/calls/{call_id}/rounds/season",
    summary="Replace the rounds with the preset season 形式审查 → 初评 → 复评 → 终评 (before any work)",
    response_model=list[rounds.Round],
)
def rounds_season(ctx: WriteContext, call_id: RowId) -> list[rounds.Round]:
    return rounds.use_season(ctx, call_id)


@router.get("/rounds/{round_id}", summary="One round", response_model=rounds.Round)
def round_get(ctx: ReadContext, round_id: RowId) -> rounds.Round:
    return rounds.get_round(ctx, round_id)


@router.patch(
    "/rounds/{round_id}",
    summary="Edit a pending round's label, form, pool, k, deadline, visibility (an open round: deadline only)",
    response_model=rounds.Round,
)
def round_update(ctx: WriteContext, round_id: RowId, body: RoundPatch) -> rounds.Round:
    return rounds.update_round(ctx, round_id, _spec(body))


@router.delete(
    "/rounds/{round_id}", summary="Remove a pending round; the rest move up", response_model=list[rounds.Round]
)
def round_delete(ctx: WriteContext, round_id: RowId) -> list[rounds.Round]:
    return rounds.delete_round(ctx, round_id)


@router.post(
    "/rounds/{round_id}/open",
    summary="Open a pending round (the rounds before it must be closed)",
    response_model=rounds.Round,
)
def round_open(ctx: WriteContext, round_id: RowId) -> rounds.Round:
    return rounds.open_round(ctx, round_id)


@router.post(
    "/rounds/{round_id}/close",
    summary="Close an open round with its shortlist (advanced / out, with reasons); advanced go to the next round",
    response_model=rounds.Shortlist,
)
def round_close(ctx: WriteContext, round_id: RowId, body: ShortlistIn | None = None) -> rounds.Shortlist:
    return rounds.close_round(ctx, round_id, [e.model_dump() for e in (body.entries if body else [])])


@router.get(
    "/rounds/{round_id}/shortlist",
    summary="The submissions in a round: state in / advanced / out, reason, the round's mean score",
    response_model=rounds.Shortlist,
)
def shortlist_get(ctx: ReadContext, round_id: RowId) -> rounds.Shortlist:
    return rounds.shortlist(ctx, round_id)


@router.put(
    "/rounds/{round_id}/shortlist",
    summary="Set submissions advanced / out / in, with reasons (a closed round carries changes on at once)",
    response_model=rounds.Shortlist,
)
def shortlist_put(ctx: WriteContext, round_id: RowId, body: ShortlistIn) -> rounds.Shortlist:
    return rounds.shortlist(ctx, round_id, [e.model_dump() for e in body.entries])


@router.get(
    "/rounds/{round_id}/checks",
    summary="形式审查: every submission's checklist (computed items and staff ticks) and verdict",
    response_model=list[rounds.FormalCheck],
)
def checks_list(ctx: ReadContext, round_id: RowId) -> list[rounds.FormalCheck]:
    return rounds.formal_checks(ctx, round_id)


@router.get(
    "/rounds/{round_id}/checks/{submission_id}",
    summary="形式审查 of one submission",
    response_model=rounds.FormalCheck,
)
def check_get(ctx: ReadContext, round_id: RowId, submission_id: RowId) -> rounds.FormalCheck:
    return rounds.formal_check(ctx, round_id, submission_id)


@router.put(
    "/rounds/{round_id}/checks/{submission_id}",
    summary="形式审查: tick items, verdict pass / return / fail with reasons (mailed to the applicant)",
    response_model=rounds.FormalCheck,
)
def check_put(ctx: WriteContext, round_id: RowId, submission_id: RowId, body: CheckIn) -> rounds.FormalCheck:
    return rounds.save_formal_check(
        ctx,
        round_id,
        submission_id,
        {k: v.model_dump() for k, v in body.items.items()},
        body.verdict,
        body.reasons,
    )


@router.get(
    "/rounds/{round_id}/assignments",
    summary="Who reviews what in this round",
    response_model=list[rounds.Assignment],
)
def round_assignments(ctx: ReadContext, round_id: RowId) -> list[rounds.Assignment]:
    r = rounds.get_round(ctx, round_id)
    return rounds.assignments(ctx, r.call, round_id)


@router.post(
    "/rounds/{round_id}/assign",
    summary="Assign this round's pool, k per submission (min-cost flow; conflicts hold; existing kept)",
    response_model=Open,
)
def round_assign(ctx: WriteContext, round_id: RowId) -> dict:
    r = rounds.get_round(ctx, round_id)
    return reviews.auto_assign(ctx, r.call, round_id)


@router.get(
    "/rounds/{round_id}/ranking",
    summary="This review round's ranking, each earlier round's mean as its own column",
    response_model=records.Ranking,
)
def round_ranking(ctx: ReadContext, round_id: RowId) -> records.Ranking:
    r = rounds.get_round(ctx, round_id)
    return selection.ranking(ctx, r.call, round_id)


@router.get(
    "/submissions/{submission_id}/earlier-scores",
    summary="A submission's score in each round before the current one (or ?round=), per round",
    response_model=list[rounds.RoundScore],
)
def earlier_scores(ctx: ReadContext, submission_id: RowId, round_id: RoundQuery = None) -> list[rounds.RoundScore]:
    return rounds.earlier_scores(ctx, submission_id, round_id)
