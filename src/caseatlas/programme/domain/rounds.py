"""Rounds of review without I/O: which round of a call is current, which submissions are in a
round, and what a formal check (形式审查) can tell by itself."""

from __future__ import annotations


def current(rounds: list[dict]) -> dict | None:
    """The call's current round: the first (in order) not closed; when all are closed, the last."""
    for r in rounds:
        if r["status"] != "closed":
            return r
    return rounds[-1] if rounds else None


def previous(rounds: list[dict], round_: dict) -> list[dict]:
    """The rounds before `round_`, in order."""
    return [r for r in rounds if r["position"] < round_["position"]]


def following(rounds: list[dict], round_: dict) -> dict | None:
    later = [r for r in rounds if r["position"] > round_["position"]]
    return later[0] if later else None


def states(round_: dict, first: bool, submitted: list[int], entries: list[dict]) -> dict[int, tuple[str, str | None]]:
    """submission → (state, reason) in the round. Every submitted case is in the first round
    (unless an entry says otherwise); a later round holds what the earlier one carried on."""
    own = {e["submission_id"]: (e["state"], e["reason"]) for e in entries if e["round_id"] == round_["id"]}
    if not first:
        return own
    return {s: own.get(s, ("in", None)) for s in submitted}


# The checklist's items, and what the system tells of each (a state, with a count or the
# missing sections), as a person writes them in either language: {key: (zh, en)}.
FORMAL_ITEM_LABELS = {
    "sections": ("申报书各部分已填写", "Every section of the form is filled in"),
    "outcomes": ("量化成果已逐项确认", "Each quantified outcome is confirmed"),
    "attachments": ("附件齐全", "Supporting files are attached"),
    "eligibility": ("申报主体与领域符合征集要求", "The applicant and the domain fit the call"),
}


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def write_detail(item: dict, lang: str = "zh") -> str:
    """What the system tells of an item (its `state`, `count`, `missing`), in `lang`; section
    headings stay as the call's template prints them."""
    n, missing, en = item.get("count") or 0, item.get("missing") or [], lang == "en"
    return {
        "missing": lambda: ("not filled in: " + ", ".join(missing)) if en else "未填写：" + "、".join(missing),
        "all_filled": lambda: (
            ("the one section is filled in" if n == 1 else f"all {n} sections are filled in")
            if en
            else f"{n} 个部分{'' if n == 1 else '均'}已填写"
        ),
        "no_outcomes": lambda: "no quantified outcomes declared" if en else "未申报量化成果",
        "unconfirmed": lambda: f"{_count(n, 'outcome', 'outcomes')} not confirmed" if en else f"{n} 项未确认",
        "confirmed": lambda: (
            ("the one outcome is confirmed" if n == 1 else f"all {n} outcomes are confirmed")
            if en
            else f"{n} 项{'' if n == 1 else '均'}已确认"
        ),
        "attached": lambda: _count(n, "file attached", "files attached") if en else f"{n} 个附件",
        "no_attachments": lambda: "no files attached" if en else "没有附件",
        "staff": lambda: "for staff to judge" if en else "由工作人员判断",
    }[item["state"]]()


def formal_items(template: list[str], sub: dict, attachments: list[dict]) -> list[dict]:
    """The checklist of a formal check, each item with what the system can tell (`auto`: True,
    False, or None when only a person can judge) and why: as data (`state`, `count`, `missing`)
    and written in Chinese (`label`, `detail`) and English (`label_en`, `detail_en`)."""
    texts = {s["heading"]: (s.get("text") or "").strip() for s in sub.get("sections") or []}
    empty = [h for h in template if not texts.get(h)]
    outcomes = sub.get("outcomes") or []
    unconfirmed = sum(1 for o in outcomes if not o.get("confirmed", True))
    items = [
        {"key": "sections", "auto": not empty, "state": "missing" if empty else "all_filled", "count": len(template)},
        {
            "key": "outcomes",
            "auto": bool(outcomes) and not unconfirmed,
            "state": "no_outcomes" if not outcomes else "unconfirmed" if unconfirmed else "confirmed",
            "count": unconfirmed or len(outcomes),
        },
        {
            "key": "attachments",
            "auto": bool(attachments),
            "state": "attached" if attachments else "no_attachments",
            "count": len(attachments),
        },
        {"key": "eligibility", "auto": None, "state": "staff", "count": 0},
    ]
    for item in items:
        item["missing"] = empty if item["key"] == "sections" else []
        zh, en = FORMAL_ITEM_LABELS[item["key"]]
        item.update(label=zh, label_en=en, detail=write_detail(item, "zh"), detail_en=write_detail(item, "en"))
    return items


FORMAL_ITEM_KEYS = ("sections", "outcomes", "attachments", "eligibility")
