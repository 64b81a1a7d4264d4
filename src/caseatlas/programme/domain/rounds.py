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


def formal_items(template: list[str], sub: dict, attachments: list[dict]) -> list[dict]:
    """The checklist of a formal check, each item with what the system can tell (`auto`: True,
    False, or None when only a person can judge) and why."""
    texts = {s["heading"]: (s.get("text") or "").strip() for s in sub.get("sections") or []}
    empty = [h for h in template if not texts.get(h)]
    outcomes = sub.get("outcomes") or []
    unconfirmed = sum(1 for o in outcomes if not o.get("confirmed", True))
    return [
        {
            "key": "sections",
            "label": "申报书各部分已填写",
            "auto": not empty,
            "detail": ("未填写：" + "、".join(empty)) if empty else f"{len(template)} 个部分均已填写",
        },
        {
            "key": "outcomes",
            "label": "量化成果已逐项确认",
            "auto": bool(outcomes) and not unconfirmed,
            "detail": (
                "未申报量化成果"
                if not outcomes
                else f"{unconfirmed} 项未确认"
                if unconfirmed
                else f"{len(outcomes)} 项均已确认"
            ),
        },
        {
            "key": "attachments",
            "label": "附件齐全",
            "auto": bool(attachments),
            "detail": f"{len(attachments)} 个附件" if attachments else "没有附件",
        },
        {"key": "eligibility", "label": "申报主体与领域符合征集要求", "auto": None, "detail": "由工作人员判断"},
    ]


FORMAL_ITEM_KEYS = ("sections", "outcomes", "attachments", "eligibility")
