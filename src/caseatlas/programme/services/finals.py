"""Final versions of accepted cases, their 专家点评, proofs, and the book's own front matter
(issue 25).

After the decisions the organizer opens the finals stage (a deadline in the book's settings); each
accepted applicant then writes the final text on the call's template (title, sections, declared
outcomes; an English title and sections when the call collects English texts) and uploads photos
with captions and credits (cleaned: re-encoded, no EXIF). The organizer copy-edits (a new version
by the organizer; the applicant sees the diff) and approves. States: awaiting → submitted →
edited → approved, each with who and when; versions are kept, never overwritten. The 专家点评 is
written by the organizer or chosen from a reviewer's draft, optionally attributed, and approved;
the book prints only an approved text and an approved comment (`approved_for_book`, read by
`selection.publish`). An approved text gets a PDF proof (the system makes one on approval; an
organizer may make another), which the applicant signs off (签字确认) or answers with the changes
wanted; a newer approval makes an older sign-off void (a proof is current only while it prints
the approved version).

Proofs keep their PDF bytes and SHA-256: the applicant signs what they saw. Rendered again later
the same text could come out different (the book's templates are being redesigned, fonts
change), so a sign-off must point at bytes, not at a recipe."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from ...errors import CaseAtlasError, Conflict, NotFound
from ...publish import edition as editions
from ...publish import render
from ...services import audit, mail, notify
from ...services.context import Context, can, require
from ...services.rules import FinalView, now_iso
from ...store import finals as fstore
from ...store import programmes as store
from ...text.lists import join_list
from ...vocab import FINAL_STATE_LABELS
from ..domain import finals as rules_of
from ..domain.images import clean_image
from .calls import call_view, load_call, parse_deadline, submission_view
from .records import (
    Approved,
    BookSettings,
    Change,
    CommitteeRow,
    ExpertComment,
    FinalDetail,
    FinalRow,
    FinalsOverview,
    FinalVersion,
    Logo,
    Photo,
    Proof,
    ReviewerDraft,
)
from .submissions import clean_outcomes, clean_sections, outcome_summary

MAX_TITLE = 200
MAX_CAPTION = 300
MAX_PHOTOS = 12
MAX_LOGOS = 8
MAX_COMMENT = 3000
MAX_FOREWORD = 20_000
MAX_NOTE = 2000


# --- reading


def _load(conn, submission_id: int) -> tuple[dict, dict]:
    sub = store.get_submission(conn, submission_id)
    if sub is None:
        raise NotFound(f"no submission {submission_id}")
    return sub, load_call(conn, sub["call_id"])


def _view(conn, call: dict, sub: dict, final: dict | None = None, book: dict | None = None) -> FinalView:
    sv = submission_view(conn, call, sub)
    final = final if final is not None else fstore.get_final(conn, sub["id"]) or {}
    book = book if book is not None else fstore.book_settings(conn, call["id"]) or {}
    deadline = book.get("finals_deadline")
    proof = fstore.latest_proofs(conn, [sub["id"]]).get(sub["id"])
    approved = final.get("state") == "approved"
    return FinalView(
        sv.call,
        sv.submission_id,
        sv.applicant_id,
        sv.decided,
        sv.assigned,
        sv.conflicted,
        sv.reviewed,
        accepted=sub["decision"] == "accept" and sv.call.phase in ("decision", "published"),
        finals_open=bool(deadline),
        before_deadline=bool(deadline) and now_iso() <= deadline,
        approved=approved,
        proof_pending=approved
        and proof is not None
        and proof["version"] == final.get("approved_version")
        and proof["status"] == "pending",
    )


def _settings(conn, call: dict) -> BookSettings:
    prog = store.get_programme(conn, call["programme_id"])
    b = fstore.book_settings(conn, call["id"]) or {}
    default = rules_of.default_book_title(prog["name"])
    return BookSettings(
        call=call["id"],
        title=b.get("title") or default,
        default_title=default,
        subtitle=b.get("subtitle"),
        year=b.get("year") or prog["year"],
        english_title=b.get("english_title"),
        committee=[CommitteeRow(**r) for r in b.get("committee") or []],
        foreword=_paragraphs(b.get("foreword")),
        logos=[
            Logo(id=x["id"], name=x["name"], content_type=x["content_type"], width=x["width"], height=x["height"])
            for x in fstore.logos(conn, call["id"])
        ],
        finals_deadline=b.get("finals_deadline"),
        english=bool(b.get("english")),
        timezone=call.get("timezone") or "Asia/Shanghai",
    )


def _paragraphs(text: str | None) -> list[str]:
    return [p.strip() for p in (text or "").splitlines() if p.strip()]


def _snapshot(sub: dict) -> dict:
    """The submitted text as a final version's data (the start of the applicant's final text, and
    what "approve as submitted" approves)."""
    return {
        "title": sub["title"],
        "organization": sub["organization"],
        "sections": sub["sections"],
        "outcomes": sub["outcomes"],
        "english_title": None,
        "english_sections": [],
        "photos": [],
    }


def _latest(conn, sub: dict, final: dict) -> dict:
    if final.get("version"):
        return fstore.version(conn, sub["id"], final["version"])["data"]
    return _snapshot(sub)


def _comment(final: dict, names: dict[int, str], for_manager: bool) -> ExpertComment | None:
    text = final.get("comment")
    approved = bool(text and final.get("comment_approved_at"))
    if not text or not (for_manager or approved):
        return None
    source = "organizer" if final.get("comment_reviewer_id") is None else names.get(final["comment_reviewer_id"])
    return ExpertComment(
        text=text,
        source=source,
        comment_by=final.get("comment_by"),
        approved=approved,
        approved_at=final.get("comment_approved_at"),
        approved_by=names.get(final.get("comment_approved_by")),
    )


def get(ctx: Context, submission_id: int) -> FinalDetail:
    with ctx.engine.connect() as conn:
        return _detail(conn, ctx, submission_id)


def _detail(conn, ctx: Context, submission_id: int) -> FinalDetail:
    sub, call = _load(conn, submission_id)
    final = fstore.get_final(conn, submission_id) or {}
    view = _view(conn, call, sub, final)
    require(ctx, "final.read", view)
    manager = can(ctx.actor, "programme.manage", view)
    book = _settings(conn, call)
    versions = fstore.versions(conn, submission_id)
    reviews = [
        r
        for r in store.reviews_of(conn, submission_id=submission_id)
        if r["status"] == "submitted" and (r["expert_comment"] or "").strip()
    ]
    names = fstore.usernames(
        conn,
        [final.get(k) for k in ("approved_by", "comment_approved_by", "comment_reviewer_id")]
        + [r["reviewer_id"] for r in reviews],
    )
    text = _latest(conn, sub, final)
    changes = rules_of.text_diff(versions[-2]["data"], versions[-1]["data"]) if len(versions) >= 2 else []
    proofs = fstore.proofs_of(conn, submission_id)
    return FinalDetail(
        submission=submission_id,
        call=call["id"],
        state=final.get("state") or "awaiting",
        title=sub["title"],
        organization=sub["organization"],
        domain=sub["domain"],
        text=text,
        template=call["template"],
        english=book.english,
        finals_deadline=book.finals_deadline,
        timezone=call.get("timezone") or "Asia/Shanghai",
        version=final.get("version") or 0,
        approved_version=final.get("approved_version"),
        submitted_at=final.get("submitted_at"),
        edited_at=final.get("edited_at"),
        approved_at=final.get("approved_at"),
        approved_by=names.get(final.get("approved_by")),
        versions=[
            FinalVersion(version=v["version"], kind=v["kind"], by=v["username"], at=v["at"], note=v["note"])
            for v in versions
        ],
        changes=[Change(**c) for c in changes],
        photos=[_photo(p) for p in fstore.photos(conn, submission_id)],
        comment=_comment(final, names, manager),
        drafts=[
            ReviewerDraft(reviewer_id=r["reviewer_id"], reviewer=r["username"], text=r["expert_comment"])
            for r in reviews
        ]
        if manager
        else [],
        proofs=[_proof(p, final) for p in proofs],
        can_write=can(ctx.actor, "final.write", view),
        can_sign=can(ctx.actor, "proof.sign", view),
        can_manage=manager,
    )


def _photo(p: dict) -> Photo:
    return Photo(
        id=p["id"],
        filename=p["filename"],
        content_type=p["content_type"],
        width=p["width"],
        height=p["height"],
        caption=p["caption"],
        credit=p["credit"],
    )


def _proof(p: dict, final: dict) -> Proof:
    return Proof(
        id=p["id"],
        version=p["version"],
        sha256=p["sha256"],
        pages=p["pages"],
        made_at=p["made_at"],
        status=p["status"],
        note=p["note"],
        answered_at=p["answered_at"],
        current=final.get("state") == "approved" and p["version"] == final.get("approved_version"),
    )


# --- the applicant's final text, and the organizer's copy-edit


def _text(call: dict, book: dict, old: dict, title, sections, outcomes, english_title, english_sections, photos):
    """A final version's data from the form (what is not sent is kept from the version before)."""
    title = (title if title is not None else old["title"]) or ""
    title = title.strip()
    if not title or len(title) > MAX_TITLE:
        raise CaseAtlasError(f"title: 1 to {MAX_TITLE} characters")
    data = {
        "title": title,
        "organization": old.get("organization"),
        "sections": clean_sections(sections, call["template"]) if sections is not None else old["sections"],
        "outcomes": clean_outcomes(outcomes) if outcomes is not None else old["outcomes"],
        "english_title": old.get("english_title"),
        "english_sections": old.get("english_sections") or [],
        "photos": old.get("photos") or [],
    }
    if not any((s.get("text") or "").strip() for s in data["sections"]):
        raise CaseAtlasError("the final text is empty: fill the template's sections")
    if book.get("english"):
        if english_title is not None:
            data["english_title"] = english_title.strip()[:MAX_TITLE] or None
        if english_sections is not None:
            data["english_sections"] = clean_sections(english_sections, [])
    if photos is not None:
        data["photos"] = photos
    return data


def _photo_list(conn, submission_id: int, captions: list[dict] | None = None) -> list[dict]:
    """The case's current photos as a version lists them, with captions and credits (the
    organizer's edit may change them)."""
    given = {int(c["id"]): c for c in captions or [] if str(c.get("id", "")).isdigit()}
    out = []
    for p in fstore.photos(conn, submission_id):
        c = given.get(p["id"], {})
        caption = (c.get("caption") if "caption" in c else p["caption"]) or ""
        credit = (c.get("credit") if "credit" in c else p["credit"]) or ""
        out.append({"id": p["id"], "caption": caption.strip()[:MAX_CAPTION], "credit": credit.strip()[:MAX_CAPTION]})
    return out


def submit(
    ctx: Context,
    submission_id: int,
    title: str | None = None,
    sections: list[dict] | None = None,
    outcomes: list[dict] | None = None,
    english_title: str | None = None,
    english_sections: list[dict] | None = None,
    note: str | None = None,
) -> FinalDetail:
    """The applicant's final text: a new version (state submitted), with the case's photos as they
    are now. Until the finals deadline and until the organizer approves it."""
    pending: list[notify.Mail] = []
    with ctx.engine.begin() as conn:
        sub, call = _load(conn, submission_id)
        final = fstore.get_final(conn, submission_id) or {}
        book = fstore.book_settings(conn, call["id"]) or {}
        require(ctx, "final.write", _view(conn, call, sub, final, book))
        old = _latest(conn, sub, final)
        data = _text(call, book, old, title, sections, outcomes, english_title, english_sections, None)
        data["photos"] = _photo_list(conn, submission_id)
        number = _add_version(conn, ctx, submission_id, final, data, "submitted", note)
        stamp = now_iso()
        fstore.save_final(
            conn, submission_id, state="submitted", version=number, submitted_at=stamp, submitted_by=ctx.actor.user_id
        )
        audit.record(conn, ctx, "finals.submit", f"submission:{submission_id}", version=number)
        for m in store.members(conn, call["id"], "organizer"):
            notify.queue_template(
                conn,
                call,
                "final_submitted",
                m["email"],
                {
                    "name": m["display_name"] or m["username"],
                    "title": data["title"],
                    "version": number,
                    "link": mail.link(f"/submissions/{submission_id}/final"),
                },
                pending,
                recipient_id=m["user_id"],
            )
        out = _detail(conn, ctx, submission_id)
    notify.send(ctx.engine, pending)
    return out


def _add_version(conn, ctx: Context, submission_id: int, final: dict, data: dict, kind: str, note) -> int:
    number = (final.get("version") or 0) + 1
    note = (note or "").strip()[:MAX_NOTE] or None
    fstore.add_version(conn, submission_id, number, data, kind, ctx.actor.user_id, now_iso(), note)
    return number


def edit(
    ctx: Context,
    submission_id: int,
    title: str | None = None,
    sections: list[dict] | None = None,
    outcomes: list[dict] | None = None,
    english_title: str | None = None,
    english_sections: list[dict] | None = None,
    photos: list[dict] | None = None,
    note: str | None = None,
) -> FinalDetail:
    """The organizer's copy-edit of the final text: a new version by the organizer (state edited;
    the applicant sees what changed). An approved text edited needs approving again."""
    pending: list[notify.Mail] = []
    with ctx.engine.begin() as conn:
        sub, call = _load(conn, submission_id)
        final = fstore.get_final(conn, submission_id) or {}
        book = fstore.book_settings(conn, call["id"]) or {}
        require(ctx, "programme.manage", _view(conn, call, sub, final, book))
        if not final.get("version"):
            raise Conflict("the applicant has not submitted a final text yet: nothing to edit")
        old = _latest(conn, sub, final)
        listed = _photo_list(conn, submission_id, photos) if photos is not None else None
        data = _text(call, book, old, title, sections, outcomes, english_title, english_sections, listed)
        if data == old:
            raise CaseAtlasError("nothing changed")
        number = _add_version(conn, ctx, submission_id, final, data, "edited", note)
        for p in listed or []:
            fstore.update_photo(conn, p["id"], caption=p["caption"] or None, credit=p["credit"] or None)
        fstore.save_final(
            conn, submission_id, state="edited", version=number, edited_at=now_iso(), edited_by=ctx.actor.user_id
        )
        audit.record(conn, ctx, "finals.edit", f"submission:{submission_id}", version=number)
        notify.queue_template(
            conn,
            call,
            "final_edited",
            sub["applicant_email"],
            {
                "name": sub["applicant"],
                "title": data["title"],
                "version": number,
                "link": mail.link(f"/submissions/{submission_id}/final"),
            },
            pending,
            recipient_id=sub["applicant_id"],
        )
        out = _detail(conn, ctx, submission_id)
    notify.send(ctx.engine, pending)
    return out


def approve(ctx: Context, submission_id: int, proof: bool = True) -> FinalDetail:
    """The organizer approves the latest final version: the book prints it. A proof of it is made
    (after the approval is committed: a proof that cannot be rendered leaves the approval, and an
    organizer may make one again); an earlier sign-off no longer holds."""
    pending: list[notify.Mail] = []
    with ctx.engine.begin() as conn:
        sub, call = _load(conn, submission_id)
        final = fstore.get_final(conn, submission_id) or {}
        require(ctx, "programme.manage", _view(conn, call, sub, final))
        if not final.get("version"):
            raise Conflict("no final text to approve (approve the submitted text in bulk from the finals overview)")
        if final.get("state") == "approved":
            raise Conflict(f"version {final['version']} is approved already")
        fstore.save_final(
            conn,
            submission_id,
            state="approved",
            approved_version=final["version"],
            approved_at=now_iso(),
            approved_by=ctx.actor.user_id,
        )
        audit.record(conn, ctx, "finals.approve", f"submission:{submission_id}", version=final["version"])
        notify.queue_template(
            conn,
            call,
            "final_approved",
            sub["applicant_email"],
            {
                "name": sub["applicant"],
                "title": sub["title"],
                "version": final["version"],
                "link": mail.link(f"/submissions/{submission_id}/final"),
            },
            pending,
            recipient_id=sub["applicant_id"],
        )
    notify.send(ctx.engine, pending)
    if proof:
        try:
            make_proof(ctx, submission_id, automatic=True)
        except CaseAtlasError:  # e.g. the PDF fonts are missing: the approval stands, the page offers "make a proof"
            pass
    return get(ctx, submission_id)


def approve_as_submitted(ctx: Context, call_id: int) -> Approved:
    """For a call that skips the finals stage: every accepted case without a final text gets its
    submitted text as its approved final version (by this organizer, now). Cases whose applicant
    sent a final text are left for approval one by one."""
    with ctx.engine.begin() as conn:
        call = load_call(conn, call_id)
        require(ctx, "programme.manage", call_view(conn, call))
        accepted = [s for s in store.list_submissions(conn, call_id, status="submitted") if s["decision"] == "accept"]
        rows = fstore.finals_of(conn, [s["id"] for s in accepted])
        done = []
        stamp = now_iso()
        for s in accepted:
            final = rows.get(s["id"]) or {}
            if final.get("version"):
                continue
            number = _add_version(conn, ctx, s["id"], final, _snapshot(s), "as_submitted", None)
            fstore.save_final(
                conn,
                s["id"],
                state="approved",
                version=number,
                approved_version=number,
                approved_at=stamp,
                approved_by=ctx.actor.user_id,
            )
            done.append(s["id"])
        audit.record(conn, ctx, "finals.approve_as_submitted", f"call:{call_id}", submissions=done)
    return Approved(call=call_id, approved=done)


# --- photos


def add_photo(
    ctx: Context, submission_id: int, filename: str, data: bytes, caption: str = "", credit: str = ""
) -> Photo:
    """A photo or figure of the final text (the applicant's, until approval): cleaned — type
    read from the bytes, re-encoded without EXIF — with a thumbnail. It joins the next version."""
    with ctx.engine.begin() as conn:
        sub, call = _load(conn, submission_id)
        require(ctx, "final.write", _view(conn, call, sub))
        clean = clean_image(data, filename)  # refuses before anything is stored
        if len(fstore.photos(conn, submission_id)) >= MAX_PHOTOS:
            raise CaseAtlasError(f"at most {MAX_PHOTOS} photos per case")
        pid = fstore.add_photo(
            conn,
            submission_id=submission_id,
            filename=(filename or "photo")[-120:],
            content_type=clean.content_type,
            data=clean.data,
            width=clean.width,
            height=clean.height,
            thumbnail=clean.thumbnail,
            thumbnail_type=clean.thumbnail_type,
            sha256=hashlib.sha256(clean.data).hexdigest(),
            caption=(caption or "").strip()[:MAX_CAPTION] or None,
            credit=(credit or "").strip()[:MAX_CAPTION] or None,
            uploaded_by=ctx.actor.user_id,
            created_at=now_iso(),
        )
        audit.record(conn, ctx, "finals.photo", f"submission:{submission_id}", photo=pid)
        return _photo(fstore.get_photo(conn, pid))


def _own_photo(conn, submission_id: int, photo_id: int) -> dict:
    p = fstore.get_photo(conn, photo_id)
    if p is None or p["submission_id"] != submission_id or p["removed_at"]:
        raise NotFound(f"no photo {photo_id}")
    return p


def remove_photo(ctx: Context, submission_id: int, photo_id: int) -> FinalDetail:
    """Take a photo out of the next versions (versions that list it keep it)."""
    with ctx.engine.begin() as conn:
        sub, call = _load(conn, submission_id)
        require(ctx, "final.write", _view(conn, call, sub))
        _own_photo(conn, submission_id, photo_id)
        fstore.update_photo(conn, photo_id, removed_at=now_iso())
        audit.record(conn, ctx, "finals.photo_remove", f"submission:{submission_id}", photo=photo_id)
        return _detail(conn, ctx, submission_id)


def photo(ctx: Context, submission_id: int, photo_id: int, thumbnail: bool = False) -> tuple[bytes, str]:
    """A photo of the case (or its thumbnail), also one a kept version lists after its removal."""
    with ctx.engine.connect() as conn:
        sub, call = _load(conn, submission_id)
        require(ctx, "final.read", _view(conn, call, sub))
        p = fstore.get_photo(conn, photo_id)
        if p is None or p["submission_id"] != submission_id:
            raise NotFound(f"no photo {photo_id}")
        return (p["thumbnail"], p["thumbnail_type"]) if thumbnail else (p["data"], p["content_type"])


# --- the 专家点评


def write_comment(
    ctx: Context, submission_id: int, text: str, comment_by: str | None = None, approve: bool = False
) -> FinalDetail:
    """The organizer writes the 专家点评: a draft the book prints only once approved — or, with
    `approve`, written and approved at once by this organizer (the 专家点评 field of the submission
    page and `PUT …/final-comment`: the organizer's own words)."""
    text = (text or "").strip()
    return _set_comment(ctx, submission_id, text or None, None, comment_by, "finals.comment", approve and bool(text))


def choose_comment(ctx: Context, submission_id: int, reviewer: int | str, comment_by: str | None = None) -> FinalDetail:
    """Take a reviewer's submitted draft (reviews.expert_comment) as the 专家点评, to approve."""
    with ctx.engine.connect() as conn:
        sub, call = _load(conn, submission_id)
        require(ctx, "programme.manage", _view(conn, call, sub))
        drafts = [
            r
            for r in store.reviews_of(conn, submission_id=submission_id)
            if r["status"] == "submitted" and (r["expert_comment"] or "").strip()
        ]
    r = next((r for r in drafts if str(reviewer) in (str(r["reviewer_id"]), r["username"])), None)
    if r is None:
        raise CaseAtlasError(f"reviewer '{reviewer}' has no submitted 专家点评 draft for this case")
    return _set_comment(ctx, submission_id, r["expert_comment"].strip(), r["reviewer_id"], comment_by, "finals.choose")


def _set_comment(
    ctx: Context, submission_id: int, text, reviewer_id, comment_by, action: str, approve: bool = False
) -> FinalDetail:
    with ctx.engine.begin() as conn:
        sub, call = _load(conn, submission_id)
        final = fstore.get_final(conn, submission_id) or {}
        require(ctx, "programme.manage", _view(conn, call, sub, final))
        if text and len(text) > MAX_COMMENT:
            raise CaseAtlasError(f"专家点评: at most {MAX_COMMENT} characters")
        stamp = now_iso()
        values = dict(
            comment=text,
            comment_reviewer_id=reviewer_id,
            comment_by=(comment_by or "").strip()[:60] or None,
            comment_written_at=stamp,
            comment_written_by=ctx.actor.user_id,
            comment_approved_at=stamp if approve else None,
            comment_approved_by=ctx.actor.user_id if approve else None,
        )
        if not final:
            values["state"] = "awaiting"
        fstore.save_final(conn, submission_id, **values)
        # submissions.final_comment mirrors the approved 专家点评 (what the decision and the page show)
        store.update_submission(conn, submission_id, final_comment=text if approve else None)
        audit.record(conn, ctx, action, f"submission:{submission_id}", reviewer=reviewer_id)
        return _detail(conn, ctx, submission_id)


def approve_comment(ctx: Context, submission_id: int) -> FinalDetail:
    with ctx.engine.begin() as conn:
        sub, call = _load(conn, submission_id)
        final = fstore.get_final(conn, submission_id) or {}
        require(ctx, "programme.manage", _view(conn, call, sub, final))
        if not final.get("comment"):
            raise Conflict("no 专家点评 to approve: write one or choose a reviewer's draft")
        fstore.save_final(conn, submission_id, comment_approved_at=now_iso(), comment_approved_by=ctx.actor.user_id)
        store.update_submission(conn, submission_id, final_comment=final["comment"])
        audit.record(conn, ctx, "finals.comment_approve", f"submission:{submission_id}")
        return _detail(conn, ctx, submission_id)


# --- proofs


def _proof_edition(conn, call: dict, sub: dict, final: dict) -> editions.Edition:
    """An edition of one case: the approved final text as the book will print it (title,
    organization, sections, declared outcomes, photos, the approved 专家点评)."""
    book = _settings(conn, call)
    data = fstore.version(conn, sub["id"], final["approved_version"])["data"]
    prog = store.get_programme(conn, call["programme_id"])
    sections = [(s["heading"], s["text"]) for s in data["sections"]]
    comment = final.get("comment") if final.get("comment_approved_at") else None
    if comment:
        sections.append(("专家点评", comment))
    facts = [
        editions.fact_row({**o, "quote": outcome_summary(o["kind"], o["value"], o["unit"], o["period"]), "line": 0})
        for o in data["outcomes"]
        if o.get("confirmed", True)
    ]
    case = editions.EditionCase(
        number=1,
        case_id=f"proof-{sub['id']}",
        title=data["title"],
        organization=data.get("organization"),
        chapter=sub["domain"],
        sections=editions.text_sections(sections),
        facts=[editions.FactRow(f.label, f.value, f.quote, f.line, "declared") for f in facts],
        source=f"校样：第 {final['approved_version']} 版定稿",
        photos=_images(conn, data.get("photos") or []),
        comment=_paragraphs(comment),
        comment_by=final.get("comment_by") if comment else None,
    )
    return editions.Edition(
        title=book.title,
        year=book.year,
        publisher="、".join(prog["organizers"] or []) or None,
        foreword=[],
        experts=[],
        chapters=[editions.Chapter(1, sub["domain"], [case])],
        slug=f"proof-{sub['id']}-v{final['approved_version']}",
        subtitle=book.subtitle,
    )


def _images(conn, listed: list[dict]) -> list[editions.Image]:
    rows = fstore.photos_by_id(conn, [p["id"] for p in listed])
    return [
        editions.Image(
            data=rows[p["id"]]["data"],
            content_type=rows[p["id"]]["content_type"],
            caption=p.get("caption") or "",
            credit=p.get("credit") or "",
            alt=p.get("caption") or rows[p["id"]]["filename"],
        )
        for p in listed
        if p["id"] in rows
    ]


def make_proof(ctx: Context, submission_id: int, automatic: bool = False) -> Proof:
    """Render the approved final text as a PDF proof (WeasyPrint) and keep it for the applicant
    (`automatic`: made by the system on approval — no one's name on it)."""
    with ctx.engine.connect() as conn:
        sub, call = _load(conn, submission_id)
        final = fstore.get_final(conn, submission_id) or {}
        require(ctx, "programme.manage", _view(conn, call, sub, final))
        if final.get("state") != "approved":
            raise Conflict("a proof is made of an approved final text: approve it first")
        ed = _proof_edition(conn, call, sub, final)
    with tempfile.TemporaryDirectory(prefix="caseatlas-proof-") as tmp:
        out = Path(tmp) / "proof.pdf"
        info = render.write_pdf(ed, out)
        pdf = out.read_bytes()
    with ctx.engine.begin() as conn:
        now_final = fstore.get_final(conn, submission_id) or {}
        if now_final.get("approved_version") != final["approved_version"] or now_final.get("state") != "approved":
            raise Conflict("the final text changed while its proof was made: make the proof again")
        pid = fstore.add_proof(
            conn,
            submission_id=submission_id,
            version=final["approved_version"],
            sha256=hashlib.sha256(pdf).hexdigest(),
            pdf=pdf,
            pages=info["pages"],
            made_at=now_iso(),
            made_by=None if automatic else ctx.actor.user_id,
            status="pending",
        )
        audit.record(conn, ctx, "finals.proof", f"submission:{submission_id}", proof=pid)
        return _proof(fstore.get_proof(conn, pid), now_final)


def _own_proof(conn, submission_id: int, proof_id: int) -> dict:
    p = fstore.get_proof(conn, proof_id)
    if p is None or p["submission_id"] != submission_id:
        raise NotFound(f"no proof {proof_id}")
    return p


def proof_pdf(ctx: Context, submission_id: int, proof_id: int) -> tuple[bytes, str]:
    """A proof's PDF as it was made (bytes and file name)."""
    with ctx.engine.connect() as conn:
        sub, call = _load(conn, submission_id)
        require(ctx, "final.read", _view(conn, call, sub))
        p = _own_proof(conn, submission_id, proof_id)
        return p["pdf"], f"proof-{sub['id']}-v{p['version']}.pdf"


def answer_proof(ctx: Context, submission_id: int, proof_id: int, signed: bool, note: str | None = None) -> FinalDetail:
    """The applicant signs off the current proof (签字确认), or asks for changes with a note."""
    note = (note or "").strip()
    pending: list[notify.Mail] = []
    with ctx.engine.begin() as conn:
        sub, call = _load(conn, submission_id)
        final = fstore.get_final(conn, sub["id"]) or {}
        require(ctx, "proof.sign", _view(conn, call, sub, final))
        p = _own_proof(conn, submission_id, proof_id)
        latest = fstore.latest_proofs(conn, [sub["id"]])[sub["id"]]
        if latest["id"] != proof_id:
            raise Conflict("a newer proof of this case exists: answer that one")
        if not signed and not note:
            raise CaseAtlasError("note: say what should change")
        if len(note) > MAX_NOTE:
            raise CaseAtlasError(f"note: at most {MAX_NOTE} characters")
        status = "signed" if signed else "changes"
        fstore.update_proof(
            conn, proof_id, status=status, note=note or None, answered_at=now_iso(), answered_by=ctx.actor.user_id
        )
        audit.record(conn, ctx, f"finals.proof_{status}", f"submission:{sub['id']}", proof=proof_id)
        for m in store.members(conn, call["id"], "organizer"):
            notify.queue_template(
                conn,
                call,
                "proof_answer",
                m["email"],
                {
                    "name": m["display_name"] or m["username"],
                    "title": sub["title"],
                    "version": p["version"],
                    "signed": bool(signed),
                    "note": note or "",
                    "link": mail.link(f"/submissions/{sub['id']}/final"),
                },
                pending,
                recipient_id=m["user_id"],
            )
        out = _detail(conn, ctx, sub["id"])
    notify.send(ctx.engine, pending)
    return out


# --- the call's finals and its book


def overview(ctx: Context, call_id: int) -> FinalsOverview:
    with ctx.engine.connect() as conn:
        call = load_call(conn, call_id)
        require(ctx, "programme.manage", call_view(conn, call))
        accepted = [s for s in store.list_submissions(conn, call_id, status="submitted") if s["decision"] == "accept"]
        ids = [s["id"] for s in accepted]
        rows = fstore.finals_of(conn, ids)
        proofs = fstore.latest_proofs(conn, ids)
        out = []
        for s in accepted:
            f = rows.get(s["id"]) or {}
            p = proofs.get(s["id"])
            current = p is not None and f.get("state") == "approved" and p["version"] == f.get("approved_version")
            out.append(
                FinalRow(
                    submission=s["id"],
                    title=s["title"],
                    organization=s["organization"],
                    domain=s["domain"],
                    state=f.get("state") or "awaiting",
                    version=f.get("version") or 0,
                    approved_version=f.get("approved_version"),
                    comment="approved"
                    if f.get("comment") and f.get("comment_approved_at")
                    else "draft"
                    if f.get("comment")
                    else "none",
                    proof=p["status"] if current else None,
                    signed=bool(current and p["status"] == "signed"),
                )
            )
        return FinalsOverview(
            call=call_id,
            book=_settings(conn, call),
            rows=out,
            approved=sum(1 for r in out if r.state == "approved"),
            signed=sum(1 for r in out if r.signed),
        )


def committee_form(book: BookSettings) -> str:
    """The 编委会 as the settings form's text (one member a line), read back by `set_settings`."""
    return rules_of.committee_text([m.model_dump() for m in book.committee])


def settings(ctx: Context, call_id: int) -> BookSettings:
    with ctx.engine.connect() as conn:
        call = load_call(conn, call_id)
        require(ctx, "programme.manage", call_view(conn, call))
        return _settings(conn, call)


_UNSET = object()


def set_settings(
    ctx: Context,
    call_id: int,
    title=_UNSET,
    subtitle=_UNSET,
    year=_UNSET,
    english_title=_UNSET,
    committee=_UNSET,
    foreword=_UNSET,
    finals_deadline=_UNSET,
    english=_UNSET,
) -> BookSettings:
    """The book's own front matter and the finals stage, set by the organizer. Setting the finals
    deadline for the first time opens the stage: each accepted applicant is told (their case is
    accepted; the final text is due by the deadline, in the call's zone)."""
    pending: list[notify.Mail] = []
    with ctx.engine.begin() as conn:
        call = load_call(conn, call_id)
        cv = call_view(conn, call)
        require(ctx, "programme.manage", cv)
        old = fstore.book_settings(conn, call_id) or {}
        values: dict = {}
        for key, value, limit in (
            ("title", title, MAX_TITLE),
            ("subtitle", subtitle, MAX_TITLE),
            ("english_title", english_title, MAX_TITLE),
            ("foreword", foreword, MAX_FOREWORD),
        ):
            if value is _UNSET:
                continue
            value = (value or "").replace("\r\n", "\n").strip()
            if len(value) > limit:
                raise CaseAtlasError(f"{key.replace('_', ' ')}: at most {limit} characters")
            values[key] = value or None
        if year is not _UNSET:
            if year in (None, ""):
                values["year"] = None
            elif not str(year).strip().isdigit() or not 1900 <= int(str(year).strip()) <= 2200:
                raise CaseAtlasError("year: a year such as 2026")
            else:
                values["year"] = int(str(year).strip())
        if committee is not _UNSET:
            values["committee"] = rules_of.committee(committee)
        if english is not _UNSET:
            values["english"] = bool(english)
        if finals_deadline is not _UNSET:
            deadline = parse_deadline(finals_deadline, call.get("timezone"))
            if deadline and cv.phase not in ("decision", "published"):
                raise CaseAtlasError(f"the finals stage opens once decisions are made (the call is in {cv.phase})")
            values["finals_deadline"] = deadline
        values["updated_at"] = now_iso()
        fstore.save_book_settings(conn, call_id, **values)
        if values.get("finals_deadline") and not old.get("finals_deadline"):
            for s in store.list_submissions(conn, call_id, status="submitted"):
                if s["decision"] != "accept":
                    continue
                notify.queue_template(
                    conn,
                    call,
                    "finals_open",
                    s["applicant_email"],
                    {
                        "name": s["applicant"],
                        "title": s["title"],
                        "deadline": mail.At(values["finals_deadline"]),
                        "link": mail.link(f"/submissions/{s['id']}/final"),
                    },
                    pending,
                    recipient_id=s["applicant_id"],
                )
        audit.record(
            conn, ctx, "finals.settings", f"call:{call_id}", fields=sorted(k for k in values if k != "updated_at")
        )
        out = _settings(conn, call)
    notify.send(ctx.engine, pending)
    return out


def add_logo(ctx: Context, call_id: int, name: str, filename: str, data: bytes) -> BookSettings:
    """An organizer's logo for the cover (cleaned as every uploaded image)."""
    name = (name or "").strip()
    with ctx.engine.begin() as conn:
        call = load_call(conn, call_id)
        require(ctx, "programme.manage", call_view(conn, call))
        if not name or len(name) > 120:
            raise CaseAtlasError("name: whose logo it is (1 to 120 characters)")
        clean = clean_image(data, filename)
        if len(fstore.logos(conn, call_id)) >= MAX_LOGOS:
            raise CaseAtlasError(f"at most {MAX_LOGOS} logos")
        fstore.add_logo(
            conn,
            call_id=call_id,
            name=name,
            content_type=clean.content_type,
            data=clean.data,
            width=clean.width,
            height=clean.height,
            sha256=hashlib.sha256(clean.data).hexdigest(),
            created_at=now_iso(),
        )
        audit.record(conn, ctx, "finals.logo", f"call:{call_id}", name=name)
        return _settings(conn, call)


def remove_logo(ctx: Context, call_id: int, logo_id: int) -> BookSettings:
    with ctx.engine.begin() as conn:
        call = load_call(conn, call_id)
        require(ctx, "programme.manage", call_view(conn, call))
        logo_ = fstore.get_logo(conn, logo_id)
        if logo_ is None or logo_["call_id"] != call_id:
            raise NotFound(f"no logo {logo_id}")
        fstore.remove_logo(conn, logo_id)
        audit.record(conn, ctx, "finals.logo_remove", f"call:{call_id}", logo=logo_id)
        return _settings(conn, call)


def logo(ctx: Context, call_id: int, logo_id: int) -> tuple[bytes, str]:
    with ctx.engine.connect() as conn:
        call = load_call(conn, call_id)
        require(ctx, "programme.manage", call_view(conn, call))
        logo_ = fstore.get_logo(conn, logo_id)
        if logo_ is None or logo_["call_id"] != call_id:
            raise NotFound(f"no logo {logo_id}")
        return logo_["data"], logo_["content_type"]


# --- what the book prints (selection.publish and services/publishing.py)


def book_title(conn, call: dict) -> str:
    return _settings(conn, call).title


def approved_for_book(conn, chosen: list[dict]) -> list[dict]:
    """Each accepted submission as the book prints it: its approved final text (title,
    organization, sections, declared outcomes) and its approved 专家点评 — never a draft. Refused,
    in one line naming them, when an accepted case has no approved final text."""
    ids = [s["id"] for s in chosen]
    rows = fstore.finals_of(conn, ids)
    missing = [s for s in chosen if (rows.get(s["id"]) or {}).get("state") != "approved"]
    if missing:
        listed = join_list(
            (
                f'#{s["id"]} "{s["title"]}" ({FINAL_STATE_LABELS[state][1]})'
                for s in missing
                for state in [(rows.get(s["id"]) or {}).get("state") or "awaiting"]
            ),
            "en",
            "clauses",
        )
        raise Conflict(
            f"{len(missing)} accepted case(s) have no approved final text: {listed} — approve them "
            "(or approve the submitted texts in bulk on the finals page)"
        )
    texts = fstore.approved_versions(conn, ids)
    out = []
    for s in chosen:
        f, data = rows[s["id"]], texts[s["id"]]["data"]
        approved = bool(f.get("comment") and f.get("comment_approved_at"))
        out.append(
            {
                **s,
                "title": data["title"],
                "organization": data.get("organization") or s["organization"],
                "sections": data["sections"],
                "outcomes": data["outcomes"],
                "final_comment": f["comment"] if approved else None,
                "approved_version": f["approved_version"],
            }
        )
    return out


def unsigned(conn, chosen: list[dict]) -> list[str]:
    """The accepted cases printed without a signed-off current proof (titles)."""
    ids = [s["id"] for s in chosen]
    rows, proofs = fstore.finals_of(conn, ids), fstore.latest_proofs(conn, ids)
    out = []
    for s in chosen:
        f, p = rows.get(s["id"]) or {}, proofs.get(s["id"])
        if not (p and p["status"] == "signed" and p["version"] == f.get("approved_version")):
            out.append(s["title"])
    return out


def book_front(conn, call: dict, case_ids: dict[str, int]) -> dict:
    """What the published edition takes from the finals (services/publishing.py): the book's
    settings and logos, and per case (by its library id) the approved photos, English text and
    the attribution of its approved 专家点评."""
    book = _settings(conn, call)
    raw = fstore.book_settings(conn, call["id"]) or {}
    ids = list(case_ids.values())
    texts = fstore.approved_versions(conn, ids)
    rows = fstore.finals_of(conn, ids)
    cases = {}
    for case_id, sid in case_ids.items():
        data = (texts.get(sid) or {}).get("data") or {}
        f = rows.get(sid) or {}
        approved = bool(f.get("comment") and f.get("comment_approved_at"))
        cases[case_id] = {
            "photos": _images(conn, data.get("photos") or []),
            "english_title": data.get("english_title"),
            "english_sections": data.get("english_sections") or [],
            "comment": _paragraphs(f["comment"]) if approved else [],
            "comment_by": f.get("comment_by") if approved else None,
        }
    logos = [
        editions.Image(data=x["data"], content_type=x["content_type"], alt=x["name"], caption=x["name"])
        for x in fstore.logos(conn, call["id"], with_data=True)
    ]
    return {"book": book, "english": bool(raw.get("english")), "logos": logos, "cases": cases}
