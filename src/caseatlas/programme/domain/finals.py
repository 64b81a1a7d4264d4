"""Final versions of accepted cases, without I/O: the book's default title, what changed from one
final version to the next (the applicant sees the organizer's copy-edits), a committee list read
from the form."""

from __future__ import annotations

import difflib
import re

from ...errors import CaseAtlasError

MAX_COMMITTEE = 60


def default_book_title(programme_name: str) -> str:
    """The book is not the call: "2026 城市气候行动案例征集" → "2026 城市气候行动案例集"
    ("征集" dropped; a title left ending in 案例 gets 集)."""
    name = programme_name.strip()
    title = name.replace("征集", "").strip(" ：:-—")
    if title.endswith("案例"):
        title += "集"
    return title or name


def text_diff(old: dict | None, new: dict) -> list[dict]:
    """Per field and section, the lines removed and added from `old` to `new` (title, sections,
    the English text)."""
    if old is None:
        return []
    out = []
    for field in ("title", "organization", "english_title"):
        if (old.get(field) or "") != (new.get(field) or ""):
            out.append({"what": field, "removed": [old.get(field) or ""], "added": [new.get(field) or ""]})
    for key, label in (("sections", ""), ("english_sections", "English: ")):
        before = {s["heading"]: s["text"] for s in old.get(key) or []}
        after = {s["heading"]: s["text"] for s in new.get(key) or []}
        for heading in list(after) + [h for h in before if h not in after]:
            a, b = (before.get(heading) or "").splitlines(), (after.get(heading) or "").splitlines()
            if a == b:
                continue
            removed, added = [], []
            for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b).get_opcodes():
                if op != "equal":
                    removed += a[i1:i2]
                    added += b[j1:j2]
            out.append({"what": label + heading, "removed": removed, "added": added})
    return out


def committee(rows) -> list[dict]:
    """The 编委会 in order: a list of {name, role, affiliation}, or text with one member a line
    ("主任：张三，某大学" / "张三 | 主编 | 某研究院")."""
    if isinstance(rows, str):
        parsed = []
        for line in rows.splitlines():
            line = line.strip()
            if not line:
                continue
            m = re.match(r"^([^：:|]{1,20})[：:]\s*([^，,]+)(?:[，,]\s*(.+))?$", line)
            if m and "|" not in line:  # 主任：张三，某大学
                parsed.append({"name": m.group(2), "role": m.group(1), "affiliation": m.group(3)})
                continue
            parts = [p.strip() for p in line.split("|")] + ["", ""]  # 张三 | 主编 | 某研究院
            parsed.append({"name": parts[0], "role": parts[1], "affiliation": parts[2]})
        rows = parsed
    out = []
    for i, r in enumerate(rows or [], 1):
        name = str(r.get("name") or "").strip()
        if not name:
            raise CaseAtlasError(f"committee member {i}: a name is needed")
        if len(name) > 60:
            raise CaseAtlasError(f"committee member {i}: at most 60 characters in a name")
        out.append(
            {
                "name": name,
                "role": (str(r.get("role") or "").strip()[:30] or None),
                "affiliation": (str(r.get("affiliation") or "").strip()[:120] or None),
            }
        )
    if len(out) > MAX_COMMITTEE:
        raise CaseAtlasError(f"committee: at most {MAX_COMMITTEE} members")
    return out


def committee_text(rows: list[dict]) -> str:
    """The committee as the form's text (one member a line), read back by `committee`."""
    return "\n".join(
        " | ".join([r["name"], r.get("role") or "", r.get("affiliation") or ""]).rstrip(" |") for r in rows
    )
