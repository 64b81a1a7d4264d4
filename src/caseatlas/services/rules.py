"""Per-resource permission rules for programmes and books, behind the one `can(actor, action, resource)`.

A role's grants (vocab.GRANTS) say what kind of thing it may ever do; these rules say whether
it may do it to *this* call or submission, now, or to *this* book (whose it is). As in HotCRP and
pretalx, the call's phase decides visibility: applicants edit only their own submissions and only while the call is
open; reviewers see a submission only once assigned, never when conflicted, and see the other
reviews only in discussion after submitting their own, and the discussion only after submitting
their own; applicants never see reviews.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


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
    if isinstance(resource, FinalView) and action in ("final.read", "final.write", "proof.sign"):
        return _final(actor, action, resource)
    if isinstance(resource, SubmissionView):
        s, call = resource, resource.call
        manager = _manager(actor, call)
        if action == "submission.read":
            return manager or actor.user_id == s.applicant_id or (_panel(actor, s) and call.phase in AFTER_SUBMISSION)
        if action == "submission.edit":
            return actor.user_id == s.applicant_id and call.phase == "submission" and not s.decided
        if action == "review.write":
            return _panel(actor, s) and call.phase in REVIEWING
        if action == "review.read":
            return manager or (
                _panel(actor, s)
                and actor.user_id in s.reviewed
                and call.phase in ("discussion", "decision", "published")
            )
        if action == "discussion.write":  # reading it too: a reviewer only once their own review is in
            return manager or (_panel(actor, s) and actor.user_id in s.reviewed and call.phase in AFTER_SUBMISSION[:3])
        if action == "conflict.declare":
            return actor.user_id in s.assigned or actor.user_id in call.reviewers
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
