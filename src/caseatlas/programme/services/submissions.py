"""Submissions: an applicant drafts a case on the call's template (typed, or started from a
file the readers, segmenter and extractor pre-fill), saves, submits, and may edit and submit
again until the deadline; each submit keeps a version, so what changed after the first
submission is shown as a diff. Attachments are checked and never served as pages."""

from __future__ import annotations

import difflib
import hashlib
import re
from decimal import Decimal
from pathlib import Path

from ...checks import check_case, check_unstated
from ...errors import CaseAtlasError, Conflict, Forbidden, NotFound
from ...extract import extract_case
from ...readers import read_upload
from ...services import audit, mail, notify, rules
from ...services.context import Context, can, require
from ...services.rules import now_iso
from ...store import accounts as accounts_store
from ...store import programmes as store
from ...text.lists import join_list, parenthesized
from ...text.numbers import format_quantity, is_number, parse_number
from ...text.times import local_time
from ...vocab import (
    KIND_LABELS_ZH,
    KIND_UNITS,
    OUTCOME_KIND_LABELS,
    OUTCOME_KINDS,
    PERIOD_LABELS,
    PERIODS,
    STATUSES,
    STOCK_KINDS,
)
from ..domain import verdicts
from ..domain.prefill import prefill, submission_lines
from . import blind as blind_view
from . import rounds
from .calls import call_view, conflicts_of, current_round_row, load_call, submission_view, submission_views

MAX_TITLE = 200
MAX_SECTION_CHARS = 20_000
MAX_OUTCOMES = 50
MAX_VALUE = 1e18  # as the API's schema
MAX_ATTACHMENT = 10 * 1024 * 1024
MAX_ANSWER = 2000  # characters of an applicant's answer to one claim check
# What an attachment may be: extension → (content type, how the file must begin).
ATTACHMENT_TYPES = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".txt": ("text/plain; charset=utf-8", ()),
    ".md": ("text/markdown; charset=utf-8", ()),
}


# Structured outcomes are stated in the library's canonical units (those the extractor converts
# to), so the published collection adds them up with every other book's.
# Money is in its currency's ISO code (CNY, USD, EUR…), as the extractor writes it.
UNITS_OF = {k: (u,) for k, u in KIND_UNITS.items()} | {
    "energy_saving": ("tce", "kWh"),
    "storage_capacity": ("MW", "kWh"),
}
MONEY_KINDS = ("investment_or_finance", "cost_saving", "revenue")
CURRENCY = re.compile(r"^[A-Z]{3}$")


# A template heading marked 选填 / optional may stay empty; every other section of the call's
# template must be filled before the case is submitted (a draft may be saved with any empty).
OPTIONAL_MARKS = ("（选填）", "(选填)", "(optional)", "（可选）")


def section_required(heading: str) -> bool:
    return not heading.strip().endswith(OPTIONAL_MARKS)


def empty_required(sections: list[dict], template: list[str]) -> list[str]:
    """The template's required headings whose text is empty, in the template's order."""
    texts = {s["heading"]: (s.get("text") or "").strip() for s in sections}
    return [h for h in template if section_required(h) and not texts.get(h)]


def _clean_sections(sections: list[dict], template: list[str]) -> list[dict]:
    given = {}
    extras = []
    for s in sections or []:
        heading = str(s.get("heading") or "").strip()
        text = str(s.get("text") or "").replace("\r\n", "\n").strip()
        if len(text) > MAX_SECTION_CHARS:
            raise CaseAtlasError(
                f"section '{heading}': at most {MAX_SECTION_CHARS} characters", field=f"section:{heading}"
            )
        if heading in template:
            given[heading] = text
        elif heading and text:
            extras.append({"heading": heading[:60], "text": text})
    return [{"heading": h, "text": given.get(h, "")} for h in template] + extras


# A multiplier a person may type after the number ("160万", "1.6亿", "2.5万亿").
_MULTIPLIERS = (("万亿", 10**12), ("亿", 10**8), ("万", 10**4))
_UNSIGNED_EXPONENT = re.compile(r"(\d+(?:\.\d+)?[eE])(\d{1,3})")


def read_value(raw) -> float | None:
    """A value as a person types it into the form, read with the one reader of numbers:
    "1600000", "1,600,000", "1.6e+06", full-width digits, "160万", "1.6亿", "一万三千". None when
    it cannot be read (or is negative, or not finite)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        value = float(raw)
    else:
        text = re.sub(r"\s+", "", str(raw or ""))
        scale = 1
        for word, mult in _MULTIPLIERS:
            if text.endswith(word) and not is_number(text):
                text, scale = text[: -len(word)], mult
                break
        unsigned = _UNSIGNED_EXPONENT.fullmatch(text)  # "1.6e6", as typed: the reader wants "1.6e+6"
        if unsigned:
            text = f"{unsigned[1]}+{unsigned[2]}"
        if not text or not is_number(text):
            return None
        value = parse_number(text)
        if value is None:
            return None
        if scale != 1:  # in decimal, so 1.6亿 is 160000000 exactly
            value = float(Decimal(repr(value)) * scale)
    if not (0 <= value <= MAX_VALUE):  # also NaN
        return None
    return value


def _clean_outcomes(outcomes: list[dict]) -> list[dict]:
    if len(outcomes or []) > MAX_OUTCOMES:
        raise CaseAtlasError(f"at most {MAX_OUTCOMES} outcomes")
    out = []
    for i, o in enumerate(outcomes or [], 1):
        if o.get("value") in (None, "") and not o.get("kind"):
            continue  # an empty row of the form
        kind = o.get("kind")
        if kind not in OUTCOME_KINDS:
            raise CaseAtlasError(
                f"outcome {i}: kind must be one of {', '.join(OUTCOME_KINDS)}", field=f"outcome:{i}:kind"
            )
        value = read_value(o.get("value"))
        if value is None:
            raise CaseAtlasError(
                f"第 {i} 项量化成果的数值“{str(o.get('value') or '')[:40]}”无法读取："
                "请填写不小于 0 的数字，如 1600000、1,600,000、160万 或 1.6亿",
                field=f"outcome:{i}:value",
            )
        unit = str(o.get("unit") or "").strip() or KIND_UNITS.get(kind, "")
        allowed = UNITS_OF.get(kind)
        if kind in MONEY_KINDS and CURRENCY.fullmatch(unit):
            allowed = None
        if not unit or len(unit) > 16 or (allowed and unit not in allowed):
            raise CaseAtlasError(
                f"outcome {i}: unit for {kind} must be {' or '.join(allowed or ['given'])}", field=f"outcome:{i}:unit"
            )
        period = o.get("period") or "unspecified"
        if period not in PERIODS:
            raise CaseAtlasError(
                f"outcome {i}: period must be one of {', '.join(PERIODS)}", field=f"outcome:{i}:period"
            )
        if period == "annual" and kind in STOCK_KINDS:
            raise CaseAtlasError(
                f"第 {i} 项量化成果是装机或储能容量（存量），不按年计：请选择“累计”或“未注明” / "
                f"outcome {i}: {kind} is what is installed, not a yearly flow",
                field=f"outcome:{i}:period",
            )
        status = o.get("status") or "achieved"
        if status not in STATUSES:
            raise CaseAtlasError(
                f"outcome {i}: status must be one of {', '.join(STATUSES)}", field=f"outcome:{i}:status"
            )
        out.append(
            {
                "kind": kind,
                "value": value,
                "unit": unit,
                "period": period,
                "status": status,
                "quote": (str(o.get("quote") or "").strip()[:500] or None),
                "confirmed": bool(o.get("confirmed", True)),
            }
        )
    return out


def _facts(title: str, org: str | None, sections: list[dict], visited: list[dict] | None = None) -> dict:
    """What the extractor finds in the submission's text: reviewers see it beside the claims.
    `visited`: the declared figures with the site visit's verdicts that hold (`verified`): the
    checks then take an adjusted figure at its value found and flag one not verifiable."""
    lines = submission_lines(title, org, sections)
    if not lines:
        return {"outcomes": [], "attributes": []}
    f = extract_case(lines, title, org, None)
    # The claim checks, as on the library's cases: the applicant sees them before submitting,
    # the reviewers beside the figures.
    checked, unstated = verdicts.for_checks(f.outcomes, visited or [])
    found = check_case(checked, {ln.no: ln for ln in lines}) + check_unstated(unstated)
    return {
        "outcomes": [
            {
                "kind": o.kind,
                "value": o.value,
                "value_max": o.value_max,
                "unit": o.unit,
                "period": o.period,
                "status": o.status,
                "qualifier": o.qualifier,
                "quote": o.quote,
                "line": o.line,
            }
            for o in f.outcomes
        ],
        "attributes": [{"kind": a.kind, "value": a.value, "quote": a.quote, "line": a.line} for a in f.attributes],
        "flags": [
            {
                "key": flag_key(x.check, x.quotes),
                "check": x.check,
                "severity": x.severity,
                "message": x.message,
                "message_en": x.message_en,
                "lines": x.lines,
                "quotes": x.quotes,
                "values": x.values,
            }
            for x in found
        ],
    }


def refresh_checks(conn, submission_id: int, visited: list[dict]) -> None:
    """The submission's facts and claim checks computed again, with `visited` (the declared figures
    with the site visits' verdicts that hold: programme/services/visits.py), in the caller's transaction."""
    sub = store.get_submission(conn, submission_id)
    store.update_submission(
        conn, submission_id, facts=_facts(sub["title"], sub["organization"], sub["sections"], visited)
    )


def _visited(conn, submission_id: int, outcomes: list[dict], call: dict) -> list[dict]:
    """The declared figures with the site visits' verdicts that hold on them."""
    from ...store import visits as visit_store

    declared = [o for o in outcomes or [] if o.get("confirmed", True)]
    return verdicts.with_verdicts(declared, visit_store.verdicts_of(conn, [submission_id]), call["timezone"])


def _with_verified(conn, submission_id: int, outcomes: list[dict], call: dict) -> list[dict]:
    """Each declared outcome as declared, with what a done site visit found of it (`verified`: the
    verdict, the value found, which visit, who, when, why, and the words pages show)."""
    held = {
        verdicts.figure_key({**o, "value": o.get("declared_value", o["value"])}): o
        for o in _visited(conn, submission_id, outcomes, call)
        if o.get("verified")
    }
    out = []
    for o in outcomes or []:
        v = held.get(verdicts.figure_key(o)) if o.get("confirmed", True) else None
        found = (
            {
                **v["verified"],
                "value": v["value"],
                "words": verdicts.adjustment_words(v),
                "words_en": verdicts.adjustment_words(v, "en"),  # the English page's words
            }
            if v
            else None
        )
        out.append({**o, "verified": found} if found else o)  # unvisited: as declared, nothing added
    return out


def flag_key(check: str, quotes: list[str]) -> str:
    """A submission flag's key: its check and quotes, not its lines, so an answer stays with
    its flag while the applicant edits other parts of the text."""
    return hashlib.sha1("\x1f".join([check, *quotes]).encode()).hexdigest()[:12]


def answer_flag(ctx: Context, submission_id: int, key: str, answer: str) -> dict:
    """The applicant explains a flagged figure (an empty answer withdraws the explanation);
    reviewers read it beside the flag. While the submission can be edited."""
    with ctx.engine.begin() as conn:
        sub, call = _load(conn, submission_id)
        require_edit(ctx, sub, call, submission_view(conn, call, sub))
        if key not in {flag_key(f["check"], f["quotes"]) for f in (sub["facts"] or {}).get("flags", [])}:
            raise NotFound(f"no flag '{key}' on submission {submission_id}")
        answer = (answer or "").strip()
        if len(answer) > MAX_ANSWER:
            raise CaseAtlasError(f"answer: at most {MAX_ANSWER} characters")
        answers = dict(sub.get("flag_answers") or {})
        if answer:
            answers[key] = {"answer": answer, "at": now_iso()}
        else:
            answers.pop(key, None)
        store.update_submission(conn, submission_id, flag_answers=answers, updated_at=now_iso())
        audit.record(
            conn, ctx, "submission.flag_answer", f"submission:{submission_id}", flag=key, answered=bool(answer)
        )
    return get(ctx, submission_id)


def _check_domain(call: dict, domain: str | None) -> str:
    if domain not in call["domains"]:
        raise CaseAtlasError(f"domain must be one of: {join_list(call['domains'], 'en')}", field="domain")
    return domain


def _applicant_org(conn, ctx: Context) -> str:
    user = accounts_store.get_user(conn, user_id=ctx.actor.user_id) if ctx.actor.user_id else None
    if user is None or not (user.organization or "").strip():
        raise CaseAtlasError("this account has no organization: an applicant submits for an organization")
    return user.organization.strip()


def create(
    ctx: Context,
    call_id: int,
    title: str,
    domain: str,
    sections: list[dict] | None = None,
    outcomes: list[dict] | None = None,
    source_file: str | None = None,
) -> dict:
    with ctx.engine.begin() as conn:
        call = load_call(conn, call_id)
        require(ctx, "submission.create", call_view(conn, call))
        title = (title or "").strip()
        if not title or len(title) > MAX_TITLE:
            raise CaseAtlasError(f"title: 1 to {MAX_TITLE} characters")
        org = _applicant_org(conn, ctx)
        secs = _clean_sections(sections or [], call["template"])
        stamp = now_iso()
        sid = store.add_submission(
            conn,
            call_id=call_id,
            applicant_id=ctx.actor.user_id,
            organization=org,
            domain=_check_domain(call, domain),
            title=title,
            sections=secs,
            outcomes=_clean_outcomes(outcomes or []),
            facts=_facts(title, org, secs),
            source_file=source_file,
            status="draft",
            version=0,
            created_at=stamp,
            updated_at=stamp,
        )
        audit.record(conn, ctx, "submission.create", f"submission:{sid}", call=call_id, title=title)
    return get(ctx, sid)


def create_from_upload(ctx: Context, call_id: int, filename: str, content: bytes, domain: str) -> dict:
    """A draft pre-filled from a case file: sections in the template's slots, outcomes with their
    evidence quotes marked unconfirmed (the applicant confirms or removes each before submitting).
    A file the readers refuse gets their one-line error and nothing is created."""
    with ctx.engine.connect() as conn:
        call = load_call(conn, call_id)
        require(ctx, "submission.create", call_view(conn, call))
    doc = read_upload(filename, content)
    name = doc.source_file
    filled = prefill(doc, call["template"])
    outcomes = [
        {
            "kind": o["kind"],
            "value": o["value"],
            "unit": o["unit"],
            "period": o["period"],
            "status": o["status"],
            "quote": o["quote"],
            "confirmed": False,
        }
        for o in filled.outcomes
        if o["kind"] in OUTCOME_KINDS
    ]
    sub = create(ctx, call_id, filled.title[:MAX_TITLE], domain, filled.sections, outcomes, source_file=name)
    _store_attachment(ctx, sub["id"], name, content, read_already=True)
    sub = get(ctx, sub["id"])
    sub["prefill"] = {
        "template_sections_filled": filled.n_template_filled,
        "template_sections": len(call["template"]),
        "extra_sections": len(filled.sections) - len(call["template"]),
        "outcomes": len(outcomes),
        "notes": filled.notes,
    }
    return sub


def require_edit(ctx: Context, sub: dict, call: dict, view) -> None:
    """The applicant may edit: the rules' `submission.edit`, with the reason said (409) when it is
    the submission's state that refuses — withdrawn, or its revision request's deadline passed."""
    if can(ctx.actor, "submission.read", view) and ctx.actor.user_id == sub["applicant_id"]:
        if sub["status"] == "withdrawn":
            raise Conflict(f"submission {sub['id']} was withdrawn: it can no longer be edited or resubmitted")
        if view.revision_until and not rules.revising(view) and view.call.phase != "submission":
            raise Conflict(
                "the revision request's deadline passed at "
                + local_time(view.revision_until, call.get("timezone"))
                + ": the submission can no longer be edited"
            )
    require(ctx, "submission.edit", view)


def _load(conn, submission_id: int) -> tuple[dict, dict]:
    sub = store.get_submission(conn, submission_id)
    if sub is None:
        raise NotFound(f"no submission {submission_id}")
    return sub, load_call(conn, sub["call_id"])


def save(
    ctx: Context,
    submission_id: int,
    title: str | None = None,
    domain: str | None = None,
    sections: list[dict] | None = None,
    outcomes: list[dict] | None = None,
) -> dict:
    with ctx.engine.begin() as conn:
        sub, call = _load(conn, submission_id)
        require_edit(ctx, sub, call, submission_view(conn, call, sub))
        values: dict = {"updated_at": now_iso()}
        if title is not None:
            title = title.strip()
            if not title or len(title) > MAX_TITLE:
                raise CaseAtlasError(f"title: 1 to {MAX_TITLE} characters", field="title")
            values["title"] = title
        if domain is not None:
            values["domain"] = _check_domain(call, domain)
        if sections is not None:
            values["sections"] = _clean_sections(sections, call["template"])
        if outcomes is not None:
            values["outcomes"] = _clean_outcomes(outcomes)
        values["facts"] = _facts(
            values.get("title", sub["title"]),
            sub["organization"],
            values.get("sections", sub["sections"]),
            _visited(conn, submission_id, values.get("outcomes", sub["outcomes"]), call),
        )
        store.update_submission(conn, submission_id, **values)
        audit.record(
            conn,
            ctx,
            "submission.save",
            f"submission:{submission_id}",
            fields=sorted(k for k in values if k not in ("updated_at", "facts")),
        )
    return get(ctx, submission_id)


def _snapshot(sub: dict) -> dict:
    return {k: sub[k] for k in ("title", "organization", "domain", "sections", "outcomes")}


def submit(ctx: Context, submission_id: int) -> dict:
    pending: list[notify.Mail] = []
    with ctx.engine.begin() as conn:
        sub, call = _load(conn, submission_id)
        view = submission_view(conn, call, sub)
        require_edit(ctx, sub, call, view)
        if view.revision_until and view.call.phase != "submission":
            # After the submission phase a version is made only as the answer to the request,
            # with the response the reviewers read beside the diff.
            raise Conflict(
                "a revision request is open: resubmit with your response (逐条回复) — "
                f"POST /api/v1/submissions/{submission_id}/revision/answer"
            )
        new_version(conn, ctx, sub, call, pending, "截止前仍可修改并重新提交。")
    notify.send(ctx.engine, pending)
    return get(ctx, submission_id)


def new_version(
    conn, ctx: Context, sub: dict, call: dict, pending: list, note: str, allow_unchanged: bool = False
) -> int:
    """Keep the submission as it is now as its next submitted version (the caller has checked the
    actor may); the receipt is mailed to the applicant. `allow_unchanged`: nothing changed since
    the last version is no error (a revision answered with a response only) — that version is kept."""
    submission_id = sub["id"]
    unconfirmed = [i for i, o in enumerate(sub["outcomes"], 1) if not o.get("confirmed", True)]
    if unconfirmed:
        raise CaseAtlasError(
            f"还有 {len(unconfirmed)} 项量化成果未确认：请逐项核对后勾选“确认”或“删除” / "
            f"confirm or remove the {len(unconfirmed)} unconfirmed outcome(s) before submitting",
            fields={f"outcome:{i}:confirmed": "请勾选“确认”或“删除” / confirm or remove" for i in unconfirmed},
        )
    empty = empty_required(sub["sections"], call["template"])
    if empty:
        raise CaseAtlasError(
            f"还有 {len(empty)} 个必填部分未填写：{'、'.join(empty)} / "
            f"{len(empty)} required section(s) still empty: {', '.join(empty)}",
            fields={f"section:{h}": "必填：请填写此部分 / required: fill in this section" for h in empty},
        )
    if not any(s["text"] for s in sub["sections"]):
        raise CaseAtlasError("the submission has no text: fill at least one section")
    versions = store.versions(conn, submission_id)
    if versions and versions[-1]["data"] == _snapshot(sub):
        if allow_unchanged:
            return versions[-1]["version"]
        raise CaseAtlasError("nothing changed since the last submitted version")
    version = sub["version"] + 1
    stamp = now_iso()
    store.add_version(conn, submission_id, version, _snapshot(sub), stamp)
    store.update_submission(
        conn, submission_id, status="submitted", version=version, submitted_at=stamp, updated_at=stamp
    )
    notify.queue_template(
        conn,
        call,
        "submission_received",
        sub["applicant_email"],
        {
            "name": sub["applicant"],
            "title": sub["title"],
            "version": version,
            "deadline": mail.At(call["submission_deadline"] or ""),
            "link": mail.link(f"/submissions/{submission_id}"),
            "declared": _declared_for_mail(sub["outcomes"]),
        },
        pending,
        recipient_id=sub["applicant_id"],
    )
    audit.record(conn, ctx, "submission.submit", f"submission:{submission_id}", version=version)
    return version


def snapshot(sub: dict) -> dict:
    """What a submitted version keeps of a submission."""
    return _snapshot(sub)


def _declared_for_mail(outcomes: list[dict]) -> mail.Words | str:
    """The declared outcomes as received, for the applicant to check each figure was read as
    meant: in both languages, the mail written in its recipient's."""
    if not outcomes:
        return ""

    def listed(lang: str) -> str:
        return "\n".join(
            f"{i}. "
            + outcome_summary(o["kind"], o["value"], o["unit"], o["period"], o.get("status") or "achieved", lang)
            for i, o in enumerate(outcomes, 1)
        )

    return mail.Words("您申报的量化成果：\n" + listed("zh"), "The outcomes you declared:\n" + listed("en"))


def _diff(old: dict | None, new: dict) -> list[dict]:
    """Per field and section, the lines removed and added from `old` to `new`."""
    if old is None:
        return []
    out = []
    for field in ("title", "domain"):
        if old.get(field) != new.get(field):
            out.append({"what": field, "removed": [old.get(field) or ""], "added": [new.get(field) or ""]})
    before = {s["heading"]: s["text"] for s in old.get("sections", [])}
    after = {s["heading"]: s["text"] for s in new.get("sections", [])}
    for heading in list(after) + [h for h in before if h not in after]:
        a, b = (before.get(heading) or "").splitlines(), (after.get(heading) or "").splitlines()
        if a == b:
            continue
        removed, added = [], []
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b).get_opcodes():
            if op != "equal":
                removed += a[i1:i2]
                added += b[j1:j2]
        out.append({"what": heading, "removed": removed, "added": added})
    key = lambda o: (o["kind"], o["value"], o["unit"], o["period"], o.get("status") or "achieved")  # noqa: E731
    ko, kn = {key(o) for o in old.get("outcomes", [])}, {key(o) for o in new.get("outcomes", [])}
    if ko != kn:
        out.append(
            {
                "what": "outcomes",
                "removed": [outcome_summary(*k) for k in sorted(ko - kn)],
                "added": [outcome_summary(*k) for k in sorted(kn - ko)],
            }
        )
    return out


# A declared figure's status beside it, (zh, en); an achieved one says nothing.
STATUS_WORDS = {
    "target": ("目标", "target"),
    "projection": ("预计", "projected"),
    "hypothetical": ("假设情景", "hypothetical"),
}


def outcome_summary(
    kind: str, value: float, unit: str, period: str = "unspecified", status: str = "achieved", lang: str = "zh"
) -> str:
    """One declared outcome in a line, written by the one writer in `lang`:
    "减排量 160万吨二氧化碳当量（每年）", "CO2e reduction 1,600,000 tCO2e (annual)"."""
    i = 1 if lang == "en" else 0
    said = PERIOD_LABELS.get(period, ("", ""))[i] if period != "unspecified" else ""
    notes = join_list((said, STATUS_WORDS.get(status, ("", ""))[i]), lang)
    label = OUTCOME_KIND_LABELS.get(kind, (kind, kind))[1] if lang == "en" else KIND_LABELS_ZH.get(kind, kind)
    return f"{label} {format_quantity(value, unit, lang)}" + parenthesized(notes, lang)


def get(ctx: Context, submission_id: int) -> dict:
    """A submission as this actor may see it: a reviewer of a blind call sees it through the
    one projection of `services/blind.py` (names of the applicant's organization group and of the
    applicant redacted, the organization profile and the original file withheld)."""
    with ctx.engine.connect() as conn:
        sub, call = _load(conn, submission_id)
        view = submission_view(conn, call, sub)
        require(ctx, "submission.read", view)
        actor = ctx.actor
        is_manager = can(actor, "programme.manage", view.call)
        blind = blind_view.is_blind_for(call, sub, actor, is_manager)
        mask = blind_view.mask_for(conn, call, sub, blind, actor.user_id)
        versions = store.versions(conn, submission_id)
        if view.revision_until and versions and actor.user_id != sub["applicant_id"]:
            # While the applicant revises, the others read the last submitted version, not the draft.
            sub = {**sub, **{k: v for k, v in versions[-1]["data"].items() if k != "organization"}}
        out = {
            k: sub[k]
            for k in (
                "id",
                "call_id",
                "domain",
                "title",
                "sections",
                "outcomes",
                "facts",
                "status",
                "version",
                "source_file",
                "created_at",
                "updated_at",
                "submitted_at",
            )
        }
        answers = sub.get("flag_answers") or {}
        for f in (out["facts"] or {}).get("flags", []):  # each flag with the applicant's answer, if any
            f["key"] = flag_key(f["check"], f["quotes"])
            f["answer"] = answers.get(f["key"], {}).get("answer")
        out["outcomes"] = _with_verified(conn, submission_id, out["outcomes"], call)
        out["organization"] = sub["organization"]
        out["applicant"] = sub["applicant"]
        out["blind"] = blind
        out["phase"] = view.call.phase
        out["editable"] = can(actor, "submission.edit", view)
        out["attachments"] = store.list_attachments(conn, submission_id)
        first = versions[0]["data"] if versions else None
        out["versions"] = [{"version": v["version"], "at": v["at"]} for v in versions]
        # What changed after the first submission: submitted versions, then the unsubmitted draft.
        out["changes_since_first_submission"] = _diff(first, _snapshot(sub)) if first else []
        out["unsubmitted_changes"] = bool(versions) and versions[-1]["data"] != _snapshot(sub)
        decided_visible = is_manager or (actor.user_id == sub["applicant_id"] and call["results_at"])
        out["decision"] = sub["decision"] if decided_visible else None
        out["final_comment"] = sub["final_comment"] if decided_visible or can(actor, "review.read", view) else None
        out["case_id"] = sub["case_id"]
        out["can"] = {
            a: can(actor, a, view)
            for a in (
                "submission.edit",
                "submission.withdraw",
                "review.write",
                "review.read",
                "discussion.write",
                "conflict.declare",
            )
        }
        out["can"]["programme.manage"] = is_manager
        # The reviews of the call's current round, on that round's form (programme/services/rounds.py).
        rnd = rounds.resolve(conn, call, view.round_id) if view.round_id else None
        form = rnd or {"criteria": call["criteria"], "scale_min": call["scale_min"], "scale_max": call["scale_max"]}
        out["round"] = (
            {
                k: rnd[k]
                for k in ("id", "key", "label", "kind", "status", "criteria", "scale_min", "scale_max", "fields")
            }
            if rnd
            else None
        )
        reviews = store.reviews_of(conn, submission_id=submission_id, round_id=view.round_id)
        # In a blind call the panel is named to a reviewer as 评审专家 A, B … and 组织方.
        name = (
            blind_view.pseudonyms(
                sorted(set(view.assigned) | {r["reviewer_id"] for r in reviews}), view.call.managers, actor.user_id
            )
            if blind
            else None
        )
        if can(actor, "review.read", view):
            out["reviews"] = [
                _review_public(r, form, name, mask)
                for r in reviews
                if is_manager or r["status"] == "submitted" or r["reviewer_id"] == actor.user_id
            ]
        else:
            out["reviews"] = None
        mine = next((r for r in reviews if r["reviewer_id"] == actor.user_id), None)
        out["my_review"] = _review_public(mine, form) if mine and actor.user_id in view.assigned else None
        # The discussion, as the reviews: for a reviewer only once their own review is in.
        out["discussion"] = (
            [
                {
                    "id": c["id"],
                    "username": name(c["author_id"], c["username"]) if name else c["username"],
                    "body": mask.text(c["body"]),
                    "at": c["at"],
                }
                for c in store.comments_of(conn, submission_id)
            ]
            if can(actor, "discussion.write", view)
            else None
        )
        # Each earlier round's score, per round: organizers always, reviewers when the round shows them.
        out["earlier_scores"] = (
            [x.model_dump() for x in rounds.scores_before(conn, call, rnd, submission_id, is_manager)]
            if rnd and can(actor, "review.earlier", view)
            else None
        )
        # The formal checks' verdicts and reasons: the applicant sees what to fix.
        out["formal_checks"] = (
            [x.model_dump() for x in rounds.check_notices(conn, submission_id)]
            if is_manager or actor.user_id == sub["applicant_id"]
            else None
        )
        if is_manager:
            conf = conflicts_of(conn, call, [sub])
            out["assigned"] = sorted(
                a["username"]
                for a in store.assignments_of(conn, call["id"], round_id=view.round_id)
                if a["submission_id"] == submission_id
            )
            names = {m["user_id"]: m["username"] for m in store.members(conn, call["id"])}
            out["conflicts"] = [
                {"reviewer": names.get(r, str(r)), "reason": str(why), "reason_en": getattr(why, "en", why)}
                for (s, r), why in conf.items()
            ]
        return mask.submission(out)


def _review_public(r: dict, call: dict, name=None, mask: blind_view.Mask | None = None) -> dict:
    """A review as shown (`call`: the round's form, its criteria); in a blind call a reviewer
    reads the others' under a pseudonym (`name`)
    and through the submission's projection (`mask`)."""
    from ..domain.scoring import weighted_total

    text = mask.text if mask is not None else (lambda x: x)
    return {
        "reviewer": name(r["reviewer_id"], r["username"]) if name else r["username"],
        "scores": r["scores"],
        "total": weighted_total(r["scores"], call["criteria"]),
        "comment": text(r["comment"]),
        "confidence": r["confidence"],
        "expert_comment": text(r["expert_comment"]),
        "fields": {k: text(v) for k, v in (r.get("fields") or {}).items()},
        "status": r["status"],
        "updated_at": r["updated_at"],
    }


def list_for(ctx: Context, call_id: int) -> list[dict]:
    """The submissions of a call this actor may see: all (organizers), their own (applicants),
    assigned and not conflicted (reviewers, once submissions have closed)."""
    require(ctx, "submission.read")
    with ctx.engine.connect() as conn:
        call = load_call(conn, call_id)
        cv = call_view(conn, call)
        require(ctx, "programme.read", cv)
        manager = can(ctx.actor, "programme.manage", cv)
        cur = current_round_row(conn, call_id)
        rid = cur["id"] if cur else None
        if manager:
            subs = store.list_submissions(conn, call_id)
        elif ctx.actor.role == "applicant":
            subs = store.list_submissions(conn, call_id, applicant_id=ctx.actor.user_id)
        else:  # a reviewer: what they are assigned in the current round
            mine = [
                a["submission_id"]
                for a in store.assignments_of(conn, call_id, round_id=rid)
                if a["reviewer_id"] == ctx.actor.user_id
            ]
            subs = store.list_submissions(conn, call_id, ids=mine) if mine else []
        reviews = {
            (r["submission_id"], r["reviewer_id"]): r["status"] for r in store.reviews_of(conn, call_id, round_id=rid)
        }
        views = submission_views(conn, call, subs, cv) if subs else {}
        projector = blind_view.Projector(conn, call, ctx.actor.user_id)
        out = []
        for s in subs:
            if not can(ctx.actor, "submission.read", views[s["id"]]):
                continue
            blind = blind_view.is_blind_for(call, s, ctx.actor, manager)
            title = projector.mask(s, blind).title(s["title"]) if blind else s["title"]
            out.append(
                {
                    "id": s["id"],
                    "title": title,
                    "domain": s["domain"],
                    "status": s["status"],
                    "version": s["version"],
                    "submitted_at": s["submitted_at"],
                    "organization": None if blind else s["organization"],
                    "decision": s["decision"]
                    if manager or (call["results_at"] and ctx.actor.user_id == s["applicant_id"])
                    else None,
                    "my_review": reviews.get((s["id"], ctx.actor.user_id)),
                }
            )
        return out


# --- attachments


def _check_attachment(name: str, content: bytes) -> str:
    ext = Path(name).suffix.lower()
    if ext not in ATTACHMENT_TYPES:
        raise CaseAtlasError(f"'{name}': attachments may be {', '.join(sorted(ATTACHMENT_TYPES))}")
    if not content:
        raise CaseAtlasError(f"'{name}': file is empty")
    if len(content) > MAX_ATTACHMENT:
        raise CaseAtlasError(f"'{name}': larger than {MAX_ATTACHMENT // (1024 * 1024)} MB")
    ctype, magic = ATTACHMENT_TYPES[ext]
    if magic and not content.startswith(magic):
        raise CaseAtlasError(f"'{name}': the content is not a {ext[1:]} file")
    if not magic:
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            raise CaseAtlasError(f"'{name}': text attachments must be UTF-8") from None
    return ctype


def _store_attachment(
    ctx: Context, submission_id: int, filename: str, content: bytes, read_already: bool = False
) -> dict:
    """`read_already`: the file the submission was started from, which the readers accepted
    (any of their formats and encodings); it is kept as sent and only ever downloaded."""
    name = Path(filename or "").name[:120]
    with ctx.engine.begin() as conn:
        sub, call = _load(conn, submission_id)
        require_edit(ctx, sub, call, submission_view(conn, call, sub))
        ctype = "application/octet-stream" if read_already else _check_attachment(name, content)
        aid = store.add_attachment(
            conn,
            submission_id=submission_id,
            filename=name,
            content_type=ctype,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            data=content,
            created_at=now_iso(),
        )
        audit.record(conn, ctx, "submission.attach", f"submission:{submission_id}", file=name, size=len(content))
    return {"id": aid, "filename": name, "content_type": ctype, "size": len(content)}


def add_attachment(ctx: Context, submission_id: int, filename: str, content: bytes) -> dict:
    return _store_attachment(ctx, submission_id, filename, content)


def attachment(ctx: Context, attachment_id: int) -> dict:
    """An attachment to download. A reviewer of a blind call gets a redacted copy of a text
    attachment, under the name 附件 N; any other attachment is withheld from them."""
    with ctx.engine.connect() as conn:
        att = store.get_attachment(conn, attachment_id)
        if att is None:
            raise NotFound(f"no attachment {attachment_id}")
        sub, call = _load(conn, att["submission_id"])
        view = submission_view(conn, call, sub)
        try:
            require(ctx, "submission.read", view)
        except NotFound:  # a submission the actor may not see: its attachment is unknown too
            raise NotFound(f"no attachment {attachment_id}") from None
        if not blind_view.is_blind_for(call, sub, ctx.actor, can(ctx.actor, "programme.manage", view.call)):
            return att
        n = 1 + [a["id"] for a in store.list_attachments(conn, sub["id"])].index(att["id"])
        shown = blind_view.mask_for(conn, call, sub, True, ctx.actor.user_id).attachment(att, n)
        if shown["withheld"]:
            raise Forbidden(f"attachment {n} is withheld from reviewers in a blind call")
        return shown


# The final versions of accepted cases (services/finals.py) are read and checked as submissions are.
clean_sections = _clean_sections
clean_outcomes = _clean_outcomes
