"""Per-resource permission rules for programmes and books, behind the one `can(actor, action, resource)`.

A role's grants (vocab.GRANTS) say what kind of thing it may ever do; these rules say whether
it may do it to *this* call or submission, now, or to *this* book (whose it is). As in HotCRP and
pretalx, the call's phase decides visibility: applicants edit only their own submissions and only while the call is
open — or while a revision request (修改后再议) is open for it, until its deadline — and never
once they have withdrawn it; reviewers see a submission only once assigned in the call's current round, never when
conflicted (in any round), review it only while that round is open, and see the other reviews only
after submitting their own — in discussion, or in the round once its visibility shows the panel
each other's work — and the earlier rounds' scores when the round's visibility says so; the
discussion only after submitting their own; applicants never see reviews.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

# The one clock of the programme's rules. A test (or a dry run of reminders) sets it with
# `set_clock`; every service reads time through `now()`/`now_iso()`, so one setting moves them all
# — including modules that imported `now_iso` by name, which a monkeypatch would miss.
_CLOCK: datetime | None = None


def set_clock(moment: datetime | None) -> None:
    """Freeze the programme's time at `moment` (aware; naive is taken as UTC), or `None` for the
    system clock again."""
    global _CLOCK
    _CLOCK = moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)


def now() -> datetime:
    return _CLOCK or datetime.now(UTC)


def now_iso() -> str:
    return now().isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class CallView:
    """What the rules need to know about a call."""

    call_id: int
    phase: str
    managers: frozenset[int]  # organizer members and the programme's creator
    reviewers: frozenset[int]


@dataclass(frozen=True, slots=True)
class SubmissionView:
    call: CallView
    submission_id: int
    applicant_id: int
    decided: bool
    assigned: frozenset[int] = field(default_factory=frozenset)
    conflicted: frozenset[int] = field(default_factory=frozenset)  # declared or detected
    reviewed: frozenset[int] = field(default_factory=frozenset)  # submitted a review
    withdrawn: bool = False  # by its applicant (programme/services/revisions.py)
    revision_until: str | None = None  # deadline of an open revision request (ISO UTC)
    # The call's current round (assigned and reviewed above are that round's): a review round
    # takes reviews while open; its visibility says what its reviewers see of the others' work.
    round_id: int | None = None
    round_kind: str = "review"
    round_status: str = "open"
    see_peers: bool = False  # each other's reviews once their own is in, before the discussion phase
    see_earlier: bool = True  # the earlier rounds' scores


@dataclass(frozen=True, slots=True)
class VisitView:
    """A site visit (调研核实) of a submission: its team records it, the call's organizers manage it."""

    submission: SubmissionView
    visit_id: int
    team: frozenset[int]
    status: str  # vocab.VISIT_STATUSES


@dataclass(frozen=True, slots=True)
class FinalView(SubmissionView):
    """An accepted case's final version (issue 25): a submission as the rules see it, and where its
    finals stand. Reading it as a submission (`submission.read`, what is hidden) is the submission's
    rule; the final.* and proof.* actions are decided here."""

    accepted: bool = False
    finals_open: bool = False  # the organizer opened the finals stage (set its deadline)
    before_deadline: bool = False
    approved: bool = False  # the organizer approved the current final text
    proof_pending: bool = False  # a proof of the approved text waits for the applicant


@dataclass(frozen=True, slots=True)
class CollectionView:
    """Whose book a collection is: a user's upload, a call's published selection, or (both
    None) the system's — added by the CLI or before books had owners."""

    key: str
    owner_user_id: int | None = None
    owner_call_id: int | None = None


REVIEWING = ("review", "discussion")
AFTER_SUBMISSION = ("review", "discussion", "decision", "published")


def revising(s: SubmissionView) -> bool:
    """A revision request is open for the submission and its deadline has not passed: an open
    request expires by the clock alone (nothing runs at the deadline)."""
    return s.revision_until is not None and now_iso() < s.revision_until


def _manager(actor, call: CallView) -> bool:
    return _admin(actor) or (actor.user_id is not None and actor.user_id in call.managers)


def _panel(actor, s: SubmissionView) -> bool:
    """An assigned reviewer without a conflict."""
    return actor.user_id in s.assigned and actor.user_id not in s.conflicted


def _admin(actor) -> bool:
    return actor.kind == "system" or actor.role == "admin"


def _final(actor, action: str, f: FinalView) -> bool:
    """The accepted applicant's own final text: read once the finals are open (that is how they
    learn their case is accepted), written until the deadline and until the organizer approves it;
    a proof signed off (or changes asked for) while it waits. Organizers read every case's."""
    own = actor.user_id is not None and actor.user_id == f.applicant_id and f.accepted and f.finals_open
    if action == "final.read":
        return _manager(actor, f.call) or own
    if action == "final.write":
        return own and f.before_deadline and not f.approved
    return own and f.proof_pending  # proof.sign


def allowed(actor, action: str, resource) -> bool:
    if isinstance(resource, CollectionView):
        # Replace (ingest a file of the same name) or remove a book: its owner, or an admin. A call's
        # book is replaced only by publishing the call again (never by a file), removed by admins.
        if action == "library.ingest" and resource.owner_call_id is not None:
            return False
        if _admin(actor):
            return True
        return (
            resource.owner_user_id is not None
            and actor.user_id == resource.owner_user_id
            and resource.owner_call_id is None
        )
    if isinstance(resource, VisitView):
        # Organizers manage a visit; its team records it while it is planned (the report marks it done;
        # an organizer may reopen it); the team, the submission's applicant and whoever may read the
        # submission read it — the applicant and the panel each their part (programme/services/visits.py).
        s, manager = resource.submission, _manager(actor, resource.submission.call)
        team = actor.user_id is not None and actor.user_id in resource.team
        if action == "visit.manage":
            return manager
        if action == "visit.record":
            return manager or (team and resource.status == "planned")
        if action == "visit.read":
            return manager or team or allowed(actor, "submission.read", s)
        return False
    if isinstance(resource, FinalView) and action in ("final.read", "final.write", "proof.sign"):
        return _final(actor, action, resource)
    if isinstance(resource, SubmissionView):
        s, call = resource, resource.call
        manager = _manager(actor, call)
        if action == "submission.read":
            return manager or actor.user_id == s.applicant_id or (_panel(actor, s) and call.phase in AFTER_SUBMISSION)
        if action == "submission.edit":
            return (
                actor.user_id == s.applicant_id
                and not s.decided
                and not s.withdrawn
                and (call.phase == "submission" or revising(s))
            )
        if action == "submission.withdraw":  # when (before the book): programme/services/revisions.py
            return actor.user_id == s.applicant_id
        if action == "review.write":
            return (
                _panel(actor, s) and call.phase in REVIEWING and s.round_kind == "review" and s.round_status == "open"
            )
        if action == "review.read":
            return manager or (
                _panel(actor, s)
                and actor.user_id in s.reviewed
                and (call.phase in ("discussion", "decision", "published") or (s.see_peers and call.phase in REVIEWING))
            )
        if action == "review.earlier":  # organizers always; a round's reviewers when its visibility says so
            return manager or (_panel(actor, s) and s.see_earlier and call.phase in AFTER_SUBMISSION)
        if action == "discussion.write":  # reading it too: a reviewer only once their own review is in
            return manager or (_panel(actor, s) and actor.user_id in s.reviewed and call.phase in AFTER_SUBMISSION[:3])
        if action == "conflict.declare":
            return actor.user_id in s.assigned or actor.user_id in call.reviewers
        if action == "visit.read":  # a submission's visits: as the submission (the team reads its own visit)
            return allowed(actor, "submission.read", s)
        return manager
    if isinstance(resource, CallView):
        manager = _manager(actor, resource)
        if action == "programme.read":
            return manager or resource.phase != "draft" or actor.user_id in resource.reviewers
        if action == "submission.create":
            return resource.phase == "submission" and actor.role == "applicant"
        if action == "conflict.declare":
            return actor.user_id in resource.reviewers
        return manager
    return True  # no resource: the role's grant decides
