"""Selection: the ranking per domain (raw and per-reviewer normalized totals, dispersion),
decisions with a bulk preview and quotas, and publishing the accepted cases with their
专家点评 as a new collection of the library; exports of submissions, scores and decisions.

The invariants of a call's results hold at every change, here, whichever shell asks: a domain
never has more accepted cases than its quota (`calls.check_quota`, also when a quota is edited);
a decision is accept or reject (`check_decision`: "revise" needs a revision round that does not
exist yet); once published, decisions are fixed until an organizer reopens them with a reason
(`reopen`, audited); each accepted submission becomes its own case of the published book."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import NamedTuple

from ...errors import CaseAtlasError, Conflict
from ...models import Book, Case, CollectionMeta, Document, Evidence, Outcome, Section
from ...services import audit, library, mail, notify, rules, sheets
from ...services.context import Context, require
from ...services.rules import now_iso
from ...store import programmes as store
from ...store import revisions as revision_store
from ...store import rounds as round_store
from ...store import visits as visit_store
from ...text.numbers import format_quantity
from ...text.times import local_time
from ...vocab import (
    COMMENT_HEADING,
    DECISION_LABELS,
    DECISIONS,
    KIND_LABELS_ZH,
    PERIOD_LABELS,
    PROGRAMME_EXPORT_TABLES,
    STATUS_WORDS_ZH,
)
from ..domain import verdicts
from ..domain.phases import over_quota
from ..domain.prefill import submission_lines
from ..domain.scoring import rank, weighted_total
from . import finals
from . import rounds as review_rounds
from .calls import accepted_by_domain, call_view, check_quota, get_call, load_call
from .records import (
    DecisionChange,
    Decisions,
    DomainRanking,
    FinalComment,
    Proposal,
    Published,
    RankedSubmission,
    Ranking,
    RoundColumn,
)

DECLARED_HEADING = "申报的量化成果"
DECIDING = ("discussion", "decision")


def ranking(ctx: Context, call_id: int, round_id: int | None = None) -> Ranking:
    """The ranking of one review round (default: the current round if it is a review round, else
    the last review round before it): the submissions in that round on the round's form, each with
    its mean in every earlier review round as its own column (`earlier`)."""
    with ctx.engine.connect() as conn:
        call = load_call(conn, call_id)
        require(ctx, "programme.manage", call_view(conn, call))
        rnd = _ranked_round(conn, call, round_id)
        ids = set(review_rounds.in_round(conn, call, rnd))
        subs = [s for s in store.list_submissions(conn, call_id, status="submitted") if s["id"] in ids]
        revs = [r for r in store.reviews_of(conn, call_id, round_id=rnd["id"]) if r["status"] == "submitted"]
        names = {r["reviewer_id"]: r["username"] for r in revs}
        rows = rank(
            [(r["submission_id"], r["reviewer_id"], r["scores"]) for r in revs],
            rnd["criteria"],
            (rnd["scale_min"], rnd["scale_max"]),
            [s["id"] for s in subs],
        )
        earlier = {s["id"]: review_rounds.scores_before(conn, call, rnd, s["id"], True) for s in subs}
        before = next(iter(earlier.values()), [])
        by_id = {s["id"]: s for s in subs}
        domains = {d: [] for d in call["domains"]}
        for row in rows:
            s = by_id[row.submission_id]
            domains.setdefault(s["domain"], []).append(
                RankedSubmission(
                    submission=s["id"],
                    title=s["title"],
                    organization=s["organization"],
                    n_reviews=row.n_reviews,
                    raw=row.raw,
                    normalized=row.normalized,
                    spread=row.spread,
                    dispersed=row.dispersed,
                    decision=s["decision"],
                    totals={names[r]: t for r, t in row.totals.items()},
                    earlier={x.key: x.mean for x in earlier[s["id"]]},
                )
            )
        accepted = {d: sum(1 for x in rows_ if x.decision == "accept") for d, rows_ in domains.items()}
        return Ranking(
            call=call_id,
            round=rnd["id"],
            round_key=rnd["key"],
            round_label=rnd["label"],
            earlier_rounds=[RoundColumn(key=x.key, label=x.label, scale=x.scale) for x in before],
            scale=[rnd["scale_min"], rnd["scale_max"]],
            criteria=rnd["criteria"],
            quotas=call["quotas"],
            accepted=accepted,
            domains=[DomainRanking(domain=d, rows=r) for d, r in domains.items()],
        )


def _ranked_round(conn, call: dict, round_id: int | None) -> dict:
    if round_id is not None:
        return review_rounds.resolve(conn, call, round_id, kind="review")
    rounds = round_store.rounds_of(conn, call["id"])
    cur = review_rounds.resolve(conn, call)
    reviewed = [r for r in rounds if r["kind"] == "review" and r["position"] <= cur["position"]]
    if not reviewed:
        raise CaseAtlasError("no review round has begun: nothing to rank yet")
    return reviewed[-1]


def propose(ctx: Context, call_id: int, by: str = "raw") -> list[Proposal]:
    """Decisions a chair would start from: in each domain, accept the best-ranked up to the
    domain's quota (all reviewed ones without a quota), reject the rest — and the cases an
    earlier round of a season left out (not in the ranked round)."""
    if by not in ("raw", "normalized"):
        raise CaseAtlasError("rank by raw or normalized")
    table = ranking(ctx, call_id)
    out = []
    for d in table.domains:
        rows = sorted((r for r in d.rows if r.n_reviews), key=lambda r: -(getattr(r, by) or 0))
        quota = table.quotas.get(d.domain, len(rows))
        out += [
            Proposal(submission=r.submission, decision="accept" if i < quota else "reject") for i, r in enumerate(rows)
        ]
    ranked = {r.submission for d in table.domains for r in d.rows}
    with ctx.engine.connect() as conn:
        left = [s["id"] for s in store.list_submissions(conn, call_id, status="submitted") if s["id"] not in ranked]
    return out + [Proposal(submission=s, decision="reject") for s in left]


def check_decision(decision: str | None) -> None:
    """A decision is one of vocab.DECISIONS (or none, undecided); "revise" is refused by name."""
    if decision == "revise":
        raise CaseAtlasError(
            f"'revise' ({DECISION_LABELS['revise'][0]}) is not offered as a decision: request a revision"
            " (POST /api/v1/submissions/{id}/revision), or accept or reject"
        )
    if decision is not None and decision not in DECISIONS:
        raise CaseAtlasError(f"decision must be one of {', '.join(DECISIONS)}")


def _fixed(cv) -> None:
    """Decisions change in discussion or decision (a reopened call is in decision again)."""
    if cv.phase == "published":
        raise Conflict(
            "the results are published: decisions are fixed. An organizer may reopen them, with a "
            "reason (POST /api/v1/calls/{id}/reopen, 重新开放 on the ranking page, "
            "`caseatlas programme reopen`)".replace("{id}", str(cv.call_id))
        )
    if cv.phase not in DECIDING:
        raise CaseAtlasError(f"decisions are made in discussion or decision (the call is in {cv.phase})")


def decide(ctx: Context, call_id: int, decisions: list[dict], preview: bool = True) -> Decisions:
    """Apply decisions (or only show what they would change: `preview`). A decision that would
    take a domain past its quota is refused, as a whole; so is any change after publication
    (until reopened)."""
    with ctx.engine.begin() as conn:
        call = load_call(conn, call_id)
        cv = call_view(conn, call)
        require(ctx, "programme.manage", cv)
        _fixed(cv)
        subs = {s["id"]: s for s in store.list_submissions(conn, call_id, status="submitted")}
        after = {sid: s["decision"] for sid, s in subs.items()}
        changes = []
        for d in decisions:
            sid, decision = int(d["submission"]), d.get("decision") or None
            if sid not in subs:
                other = store.get_submission(conn, sid)
                if other is not None and other["call_id"] == call_id and other["status"] == "withdrawn":
                    raise Conflict(f"submission {sid} was withdrawn by its applicant: it cannot be decided")
                raise CaseAtlasError(f"submission {sid} is not a submitted case of this call")
            check_decision(decision)
            if after[sid] != decision:
                changes.append(
                    DecisionChange(
                        submission=sid,
                        title=subs[sid]["title"],
                        domain=subs[sid]["domain"],
                        from_=subs[sid]["decision"],
                        to=decision,
                    )
                )
            after[sid] = decision
        # A case being revised is decided on its answer (or once the deadline has passed).
        revising = revision_store.latest_requests(conn, [c.submission for c in changes if c.to])
        for c in changes:
            r = revising.get(c.submission)
            if r and r["status"] == "open" and rules.now_iso() < r["deadline"]:
                raise Conflict(
                    f"submission {c.submission} is being revised (修改后再议): decide it once it is answered"
                    " or its deadline has passed"
                )
        accepted = accepted_by_domain(conn, call_id, after)
        over = over_quota(accepted, call["quotas"])
        if preview:
            return Decisions(changes=changes, accepted=accepted, over_quota=over, applied=False)
        check_quota(conn, call, decisions=after)
        for c in changes:
            store.update_submission(conn, c.submission, decision=c.to)
        audit.record(conn, ctx, "selection.decide", f"call:{call_id}", changes=[[c.submission, c.to] for c in changes])
        return Decisions(changes=changes, accepted=accepted, over_quota=over, applied=True)


MAX_REASON = 300


def reopen(ctx: Context, call_id: int, reason: str) -> dict:
    """Reopen a published call's decisions (organizers): the call is in its decision phase again,
    so decisions can change, until it is published again (which updates its book in place). Who
    reopened and why is in the audit log (`selection.reopen`)."""
    reason = (reason or "").strip()
    with ctx.engine.begin() as conn:
        call = load_call(conn, call_id)
        cv = call_view(conn, call)
        require(ctx, "programme.manage", cv)
        if cv.phase != "published":
            raise CaseAtlasError(f"only published results are reopened (the call is in {cv.phase})")
        if not reason:
            raise CaseAtlasError("reason: say why the decisions are reopened", field="reason")
        if len(reason) > MAX_REASON:
            raise CaseAtlasError(f"reason: at most {MAX_REASON} characters")
        stamp = now_iso()
        store.update_call(conn, call_id, reopened_at=stamp)
        audit.record(
            conn,
            ctx,
            "selection.reopen",
            f"call:{call_id}",
            reason=reason,
            at=stamp,
            collection=call["collection_slug"],
        )
    return get_call(ctx, call_id)


def set_final_comment(ctx: Context, submission_id: int, text: str) -> FinalComment:
    """The organizer's own 专家点评, written and approved in one step (services/finals.py keeps it;
    empty: none). A reviewer's draft is never printed unless an organizer chooses and approves it."""
    out = finals.write_comment(ctx, submission_id, text or "", approve=True)
    return FinalComment(submission=submission_id, final_comment=out.comment.text if out.comment else None)


class Declared(NamedTuple):
    """A declared outcome as the book prints it."""

    case: int  # the case's index in the book
    outcome: dict
    line: int  # the book's line that prints it


@dataclass(frozen=True, slots=True)
class SelectionBook:
    """The selected cases as a book, with what ties it back to the call."""

    book: Book
    declared: list[Declared]  # for `_add_declared`
    submissions: list[int]  # the submission of each case, in the book's order


def _book(call: dict, prog: dict, panel: list[dict], chosen: list[dict], title: str | None = None) -> SelectionBook:
    """The selected cases as a book: front matter (the book's title, organizers, supporters, panel),
    then each domain as a chapter with its cases, each followed by its declared outcomes and its
    专家点评; domains in the call's order."""
    title = title or prog["name"]
    raws: list[str] = [title]
    if prog["year"]:
        raws.append(f"{prog['year']} 年")
    if prog["organizers"]:
        raws.append("联合发起单位：" + "、".join(prog["organizers"]))
    if prog["supporters"]:
        raws.append("支持单位：" + "、".join(prog["supporters"]))
    experts = [m["display_name"] or m["username"] for m in panel]
    if experts:
        raws.append("评审专家：" + "、".join(experts))
    if prog["description"]:
        raws += [p for p in prog["description"].splitlines() if p.strip()]
    cases: list[Case] = []
    order: list[int] = []  # the submission of each case
    stated: list[Declared] = []
    for domain in call["domains"]:
        in_domain = [s for s in chosen if s["domain"] == domain]
        if not in_domain:
            continue
        raws.append(domain)
        for s in in_domain:
            body = submission_lines(s["title"], s["organization"], s["sections"])
            start = len(raws) + 1
            sections: list[Section] = []
            heads = {x["heading"] for x in s["sections"] if (x.get("text") or "").strip()}
            for line in body:
                raws.append(line.raw)
                n = len(raws)
                if line.raw in heads and n > start + (1 if s["organization"] else 0):
                    if sections:
                        sections[-1].end_line = n - 1
                    sections.append(Section(line.raw, n, n))
            declared = [o for o in s["outcomes"] if o.get("confirmed", True)]
            if declared:
                if sections:
                    sections[-1].end_line = len(raws)
                raws.append(DECLARED_HEADING)
                sections.append(Section(DECLARED_HEADING, len(raws), len(raws)))
                for o in declared:
                    raws.append(_declared_line(o))
                    stated.append(Declared(len(cases), o, len(raws)))
            if s["final_comment"]:
                if sections:
                    sections[-1].end_line = len(raws)
                raws.append(COMMENT_HEADING)
                sections.append(Section(COMMENT_HEADING, len(raws), len(raws)))
                raws += [p for p in s["final_comment"].splitlines() if p.strip()]
            if sections:
                sections[-1].end_line = len(raws)
            cases.append(
                Case(
                    seq=len(cases) + 1,
                    title=s["title"],
                    organization=s["organization"],
                    chapter=domain,
                    start_line=start,
                    end_line=len(raws),
                    page=None,
                    sections=sections,
                )
            )
            order.append(s["id"])
    from ...models import Line
    from ...readers.normalize import normalize

    lines = [Line(no=i + 1, raw=r, text=normalize(r)) for i, r in enumerate(raws)]
    for c in cases:
        c.text = "\n".join(lines[n - 1].text for n in range(c.start_line, c.end_line + 1))
    text = "\n".join(raws)
    # A verdict's provenance (who, why) is stored with the figure, not printed: it changes the book too.
    checked = json.dumps([d.outcome.get("verified") for d in stated], ensure_ascii=False, sort_keys=True)
    doc = Document(
        source_file=f"programme-{prog['slug']}.md",
        source_path=f"programme:{prog['slug']}/call:{call['id']}",
        format="md",
        sha256=hashlib.sha256(
            (text + checked if any(d.outcome.get("verified") for d in stated) else text).encode()
        ).hexdigest(),
        lines=lines,
        encoding="utf-8",
    )
    meta = CollectionMeta(
        title=title,
        publisher="、".join(prog["organizers"]) or None,
        year=prog["year"],
        foreword=prog["description"],
        experts=experts,
        chapters=[d for d in call["domains"] if any(s["domain"] == d for s in chosen)],
    )
    # The declared lines print data the applicant confirmed: the extractor reads past them (as past
    # page furniture) and `_add_declared` attaches the records themselves.
    book = Book(document=doc, meta=meta, cases=cases, furniture=frozenset(d.line for d in stated))
    return SelectionBook(book, stated, order)


# How a declared figure's period and status are printed: words the extractor reads back the same
# way when the published book is ingested (a "（目标）" after the figure, "预计" before it).


def _declared_line(o: dict) -> str:
    """One declared outcome as the book prints it, with the one number writer:
    "每年减排量160万吨二氧化碳当量。", "投融资5,800万元。" — a sentence the extractor of a
    published book reads back as the kind, value, unit and period stated."""
    status = o.get("status") or "achieved"
    label = KIND_LABELS_ZH.get(o["kind"], o["kind"])
    if o["kind"] == "area" and o["period"] == "annual":
        label = "增加" + label  # an area held is a stock; one added each year is the flow declared
    figure = format_quantity(o["value"], o["unit"], "zh", value_max=o.get("value_max"))
    period = PERIOD_LABELS.get(o["period"], ("",))[0] if o["period"] != "unspecified" else ""
    before, after = STATUS_WORDS_ZH.get(status, ("", ""))
    # A figure a site visit verified is printed at the value found, its verdict and day after it in
    # words (never the declared figure beside it: the line is read back as one value).
    note = verdicts.printed_note(o)
    return f"{before}{period}{label}{figure}{after}{note}。"


def _same_figure(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def _add_declared(stated: list[Declared]):
    """The applicant's confirmed outcomes become facts of the published case as data (origin
    `declared`, value and unit as confirmed), quoted from the line that prints them. Nothing is
    extracted from those lines; a figure the extractor found in the applicant's own text with
    the same value and unit is the declared one: it is kept once, its quotes added as evidence."""

    def add(book: Book) -> None:
        declared_lines = {line for _, _, line in stated}
        book.furniture = frozenset()  # the declared lines are the book's again: checks and the store see them
        by_no = {ln.no: ln for ln in book.document.lines}
        for case in book.cases:  # (the extractor read past them; never a figure read from rendered data)
            if case.facts is None:
                continue
            case.facts.outcomes = [x for x in case.facts.outcomes if x.line not in declared_lines]
            for x in case.facts.outcomes:
                x.evidence = [ev for ev in x.evidence if ev.line not in declared_lines]
        for i, o, line in stated:
            case = book.cases[i]
            facts = case.facts
            quote = by_no[line].raw
            evidence = [Evidence(quote, line)]
            said_value = o.get("declared_value", o["value"])  # what the text states: the value declared
            same = [
                x
                for x in facts.outcomes
                if x.origin != "declared"
                and x.unit == o["unit"]
                and _same_figure(x.value, said_value)
                and x.value_max is None
            ]
            for x in same:
                evidence += [
                    ev
                    for ev in x.evidence or [Evidence(x.quote, x.line)]
                    if (ev.quote, ev.line) not in {(e.quote, e.line) for e in evidence}
                ]
            said = (o.get("quote") or "").strip()  # the applicant's sentence, where the text prints it
            if said and not any(said in e.quote for e in evidence):
                for n in range(case.start_line, case.end_line + 1):
                    if n not in declared_lines and said in by_no[n].raw:
                        evidence.append(Evidence(said, n))
                        break
            record = Outcome(
                value=o["value"],
                value_max=o.get("value_max"),
                unit=o["unit"],
                kind=o["kind"],
                period=o["period"],
                qualifier=None,
                quote=quote,
                line=line,
                evidence=evidence,
                status=o.get("status") or "achieved",
                origin="declared",
                verification=o.get("verified"),  # a site visit's verdict, with the value declared and why
            )
            gone = {id(x) for x in same}  # the declared record takes the place of the first one it replaces
            at = next((k for k, x in enumerate(facts.outcomes) if id(x) in gone), len(facts.outcomes))
            facts.outcomes = (
                [x for k, x in enumerate(facts.outcomes) if k < at and id(x) not in gone]
                + [record]
                + [x for k, x in enumerate(facts.outcomes) if k >= at and id(x) not in gone]
            )

    return add


@dataclass(frozen=True, slots=True)
class _ToPublish:
    """What a call's book is made of, read and checked."""

    call: dict
    prog: dict
    subs: list[dict]  # every submitted submission
    chosen: list[dict]  # the accepted ones as approved: final text and approved 专家点评 (finals.approved_for_book)
    panel: list[dict]
    title: str  # the book's own title (book settings; default: the programme's name without 征集)


def _opinions(conn, call_id: int) -> dict[int, str]:
    """The panel's opinion of each submission for its decision letter, until the organizer
    writes one: the submitted reviews' comments, one a line, unsigned (a letter never names a
    reviewer)."""
    out: dict[int, list[str]] = {}
    for r in store.reviews_of(conn, call_id):
        if r["status"] == "submitted" and (r["comment"] or "").strip():
            out.setdefault(r["submission_id"], []).append("- " + " ".join(r["comment"].split()))
    return {sid: "\n".join(lines) for sid, lines in out.items()}


def _to_publish(conn, ctx: Context, call_id: int) -> _ToPublish:
    call = load_call(conn, call_id)
    cv = call_view(conn, call)
    require(ctx, "programme.manage", cv)
    if cv.phase not in ("decision", "published"):
        raise CaseAtlasError(f"publish after the discussion has ended (the call is in {cv.phase})")
    prog = store.get_programme(conn, call["programme_id"])
    subs = store.list_submissions(conn, call_id, status="submitted")
    undecided = [s for s in subs if not s["decision"]]
    if undecided:
        raise CaseAtlasError(f"{len(undecided)} submission(s) have no decision yet")
    legacy = [s for s in subs if s["decision"] not in DECISIONS]
    if legacy:
        raise Conflict(
            f"{len(legacy)} submission(s) are marked '{legacy[0]['decision']}', which is not a decision "
            "any more (修改后再议 is a revision request now): accept or reject them first"
        )
    check_quota(conn, call)
    chosen = [dict(s) for s in subs if s["decision"] == "accept"]
    if not chosen:
        raise CaseAtlasError("no submission is accepted: nothing to publish")
    # The book prints approved final texts and approved 专家点评 only (services/finals.py): never the
    # submitted text unless approved as final, never a reviewer's unapproved draft.
    chosen = finals.approved_for_book(conn, chosen)
    # Each declared figure of the approved text with the site visits' verdict that holds: an adjusted
    # one is published at the value found, with the value declared and why (programme/domain/verdicts.py).
    # A verdict is on the figure itself, so a figure the final text changed carries none.
    found = visit_store.verdicts_of(conn, [s["id"] for s in chosen])
    for s in chosen:
        mine = [v for v in found if v["submission_id"] == s["id"]]
        if mine:
            s["outcomes"] = verdicts.with_verdicts(s["outcomes"], mine, call["timezone"])
    return _ToPublish(call, prog, subs, chosen, store.members(conn, call_id, "reviewer"), finals.book_title(conn, call))


def publish(ctx: Context, call_id: int) -> Published:
    """Announce the decisions (applicants are told) and add the accepted cases, as their approved
    final texts with their approved 专家点评, to the library as a collection (409 naming the accepted
    cases without an approved final text). Publishing
    again after a change updates that collection in place (case ids kept).

    One unit of work: the book, its cases tied to their submissions, the call's results, the
    applicants' mails and the audit record are committed together or not at all. The costly part
    (extraction and checks) runs before it, on what was read; the unit reads the call again and
    refuses if anything the book is made of changed meanwhile."""
    with ctx.engine.connect() as conn:
        read = _to_publish(conn, ctx, call_id)
    made = _book(read.call, read.prog, read.panel, read.chosen, read.title)
    if sorted(made.submissions) != sorted(s["id"] for s in read.chosen):
        raise CaseAtlasError("the book would not hold each accepted submission once")  # a bug, not the user's
    library.prepare_segmented(ctx, made.book, _add_declared(made.declared), call_id=call_id)
    pending: list[notify.Mail] = []
    with ctx.engine.begin() as conn:
        if _to_publish(conn, ctx, call_id) != read:
            raise Conflict("the call changed while its book was being made: publish again")
        call, subs = read.call, read.subs
        result = library.store_segmented(conn, ctx, made.book, call_id=call_id)
        if result.status == "error":
            raise CaseAtlasError(result.error)
        from ...store import library as lib

        col = lib.collection_by_file(conn, made.book.document.source_file)
        lib.set_owner(conn, col["id"], call_id=call_id)  # (a book stored before books had owners)
        by_id = {s["id"]: s for s in read.chosen}
        case_ids = lib.case_ids_in_order(conn, col["id"])  # as stored (an unchanged book is not saved again)
        if len(set(case_ids)) != len(made.submissions):
            raise CaseAtlasError("the published book does not give each accepted submission its own case")
        for sid, case_id in zip(made.submissions, case_ids):  # each submission with its own case (book order)
            store.update_submission(conn, sid, final_comment=by_id[sid]["final_comment"], case_id=case_id)
        for s in subs:  # and no other submission has one (accepted before a reopen, rejected after)
            if s["id"] not in by_id and s["case_id"]:
                store.update_submission(conn, s["id"], case_id=None)
        first_time = not call["results_at"]
        store.update_call(
            conn, call_id, results_at=call["results_at"] or now_iso(), collection_slug=col["slug"], reopened_at=None
        )
        if first_time:
            comments = _opinions(conn, call_id)
            for s in subs:
                lang = notify.lang_for(call, s["applicant_id"], conn)
                notify.queue_template(
                    conn,
                    call,
                    "decision",
                    s["applicant_email"],
                    {
                        "name": s["applicant"],
                        "title": s["title"],
                        "link": mail.link(f"/submissions/{s['id']}"),
                        "decision": DECISION_LABELS[s["decision"]][0 if lang == "zh" else 1],
                        "accepted": s["decision"] == "accept",
                        "opinion": s.get("opinion") or comments.get(s["id"], ""),
                        "expert_comment": (by_id.get(s["id"]) or {}).get("final_comment") or "",
                    },
                    pending,
                    recipient_id=s["applicant_id"],
                    lang=lang,
                )
        audit.record(
            conn,
            ctx,
            "selection.publish",
            f"call:{call_id}",
            collection=col["slug"],
            cases=len(read.chosen),
            **({"after_reopen": call["reopened_at"]} if call["reopened_at"] else {}),
        )
        unsigned = finals.unsigned(conn, read.chosen)
    notify.send(ctx.engine, pending)
    return Published(collection=col["slug"], cases=len(read.chosen), status=result.status, unsigned=unsigned)


# --- exports

SUBMISSION_COLUMNS = [
    "id",
    "title",
    "organization",
    "applicant",
    "domain",
    "status",
    "version",
    "submitted_at",
    "decision",
    "case_id",
]
DECISION_COLUMNS = ["id", "title", "domain", "decision", "raw", "normalized", "spread", "dispersed", "n_reviews"]


def export_rows(ctx: Context, call_id: int, table: str) -> tuple[list[str], list[dict]]:
    if table not in PROGRAMME_EXPORT_TABLES:
        raise CaseAtlasError(f"unknown table '{table}' (use {', '.join(PROGRAMME_EXPORT_TABLES)})")
    with ctx.engine.connect() as conn:
        call = load_call(conn, call_id)
        require(ctx, "programme.manage", call_view(conn, call))
        subs = store.list_submissions(conn, call_id)
        if table == "submissions":  # a time as people read it: in the call's zone, named
            return SUBMISSION_COLUMNS, [
                {
                    c: local_time(s[c], call["timezone"], empty="") if c == "submitted_at" else s.get(c)
                    for c in SUBMISSION_COLUMNS
                }
                for s in subs
            ]
        if table == "scores":  # every round's reviews, each on its round's criteria
            forms = {r["id"]: r for r in round_store.rounds_of(conn, call_id)}
            keys = list(dict.fromkeys(c["key"] for r in forms.values() for c in r["criteria"]))
            cols = ["submission", "title", "reviewer", *keys, "total", "confidence", "status", "comment", "round"]
            titles = {s["id"]: s["title"] for s in subs}
            rows = [
                {
                    "submission": r["submission_id"],
                    "title": titles.get(r["submission_id"]),
                    "reviewer": r["username"],
                    **{k: r["scores"].get(k) for k in keys},
                    "total": weighted_total(r["scores"], forms[r["round_id"]]["criteria"]),
                    "confidence": r["confidence"],
                    "status": r["status"],
                    "comment": r["comment"],
                    "round": forms[r["round_id"]]["key"],
                }
                for r in sorted(store.reviews_of(conn, call_id), key=lambda r: forms[r["round_id"]]["position"])
            ]
            return cols, rows
    table_ = ranking(ctx, call_id)
    rows = [
        {
            "id": r.submission,
            "title": r.title,
            "domain": d.domain,
            "decision": r.decision,
            "raw": r.raw,
            "normalized": r.normalized,
            "spread": r.spread,
            "dispersed": r.dispersed,
            "n_reviews": r.n_reviews,
        }
        for d in table_.domains
        for r in d.rows
    ]
    return DECISION_COLUMNS, rows


def export_bytes(ctx: Context, call_id: int, fmt: str, table: str = "submissions") -> tuple[bytes, str]:
    """CSV of one table, or XLSX with all three as sheets."""
    if fmt == "csv":
        return sheets.csv_bytes(*export_rows(ctx, call_id, table)), "text/csv; charset=utf-8"
    if fmt != "xlsx":
        raise CaseAtlasError("format: csv or xlsx")
    return (
        sheets.xlsx_bytes([(name, *export_rows(ctx, call_id, name)) for name in PROGRAMME_EXPORT_TABLES]),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
