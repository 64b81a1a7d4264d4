"""Blind review: the one projection of a submission for a reviewer of a blind call.

Everything a reviewer can reach of a submission — the API's JSON and the pages (both built
from `submissions.get` and `submissions.list_for`), the extracted facts and their quotes, the
claim-check flags and the applicant's answers, the change summary, attachments, the discussion,
the review-assigned e-mail — goes through `Mask` built by `mask_for`:

- the names of the applicant's organization and of its group, as `caseatlas.organizations`
  resolves them with the call's alias groups and the library's confirmed merges and splits
  (legal and short names, brand names in `known.toml`, the group a branch belongs to), as the
  library's stored organizations know them (every name of the organization, of the groups
  above it and of its own members), word-by-word abbreviations of the organization's name
  (国网浙江电力), and short names the text declares after one of them (（以下简称“时代新能”）),
  are replaced by `MARK`, with any legal form that follows (有限公司…);
- the applicant's user name, display name and e-mail are replaced the same way;
- the organization-profile section (机构简介 and the like: `PROFILE`) is withheld whole, and
  the facts and flags read from it or from the organization line are left out;
- the original file's name is never shown; attachments are listed as 附件 N and withheld,
  except plain-text ones (txt, md), which are served as redacted copies: a PDF, DOCX, XLSX or
  image cannot be redacted reliably (text in images, headers, metadata, embedded objects);
  their text is in the sections anyway.

Organizers and the applicant see the submission as it is; so does everyone in a call that is
not blind.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from ...organizations import Resolver, Use
from ...organizations import names as N
from ...store import accounts as accounts_store
from ...store import organizations as org_store

MARK = "××"
# Headings of a section that presents the organization rather than the case.
PROFILE = re.compile(r"(机构|单位|企业|公司|组织|集团|申报方|申报主体)(简介|介绍|概况|基本情况)|关于我们")
WITHHELD_SECTION = "（盲评：本节介绍申报单位，不向评审专家显示）"
WITHHELD_ATTACHMENT = "盲评期间不向评审专家提供（无法可靠地隐去其中的单位信息）"
REDACTABLE = (".txt", ".md")  # attachments served to reviewers as redacted copies
MIN_ABBREVIATION = 4  # shorter word-by-word abbreviations of a name collide with other names (国家电 ⊂ 国家电力)
_LEGAL_TAIL = r"(?:[（(][^（）()]{1,12}[）)])?(?:集团|股份|有限|责任|公司|控股|总部)*"
_SHORT = re.compile(r"[（(]\s*(?:以下)?(?:简称|下称)[:：]?\s*[“\"「『]?([^”\"」』）()，,。]{2,16})[”\"」』]?\s*[）)]")
_LATIN = re.compile(r"^[A-Za-z0-9 .&'’@_+-]+$")
_ID_CHARS = r"A-Za-z0-9_.@+-"


def _abbreviations(k: str) -> set[str]:
    """国网浙江省电力 → 国网浙江电力, 国网浙电力 …: each word gives its first one or two characters."""
    import rjieba

    words = [w for w in rjieba.cut(k) if w.strip()]
    if not 2 <= len(words) <= 5:
        return set()
    out = set()
    for take in itertools.product((1, 2), repeat=len(words)):
        abbr = "".join(w[:t] for w, t in zip(words, take))
        if MIN_ABBREVIATION <= len(abbr) < len(k):
            out.add(abbr)
    return out


def _forms(printed: str) -> set[str]:
    """The ways one name may be written in a text: as printed, without brackets and legal forms,
    without a leading place, with its bracketed short or English name."""
    if not printed or not printed.strip():
        return set()
    n = N.parse(printed)
    out = {N.clean(printed), n.main, *n.aliases, N.key(printed), N.key(n.main)}
    rest = N.without_place(N.key(n.main))
    if rest:
        out.add(rest)
    return {f.strip() for f in out if f and len(f.strip()) >= 2}


def organization_names(conn, call: dict, organization: str | None) -> set[str]:
    """Every name of the applicant's organization and its group: the resolution of
    `caseatlas.organizations` (with the call's alias groups and the library's decisions) and the
    organizations the library has stored under any of those names."""
    if not (organization or "").strip():
        return set()
    decisions = [(d["a_name"], d["b_name"], d["decision"]) for d in org_store.decisions(conn)]
    same = [(x, y, "same") for g in (call.get("aliases") or []) for x, y in zip(g, g[1:])]
    res = Resolver([*decisions, *same]).resolve([Use(0, organization)])
    printed: set[str] = {organization}
    own: set[str] = set()
    for o in res.orgs.values():
        printed |= {o.name, *o.aliases.values()}
    for link in res.links:
        own |= set(res.orgs[link.org].aliases.values()) | {res.orgs[link.org].name}
    # The names of one alias group all name the organization once one of them does.
    for g in call.get("aliases") or []:
        if any(N.key(x) in {N.key(p) for p in printed} for x in g):
            printed |= set(g)
    # What the library stored: the organization, the groups above it, its own members.
    seen: set[str] = set()
    for name in list(printed):
        row = org_store.by_name(conn, N.key(name), name)
        chain = []
        while row is not None and row["org_id"] not in seen:
            seen.add(row["org_id"])
            chain.append(row)
            row = org_store.get(conn, row["parent_org_id"]) if row["parent_org_id"] else None
        if chain:
            for m in org_store.members(conn, chain[0]["org_id"]):
                if m["org_id"] not in seen:
                    seen.add(m["org_id"])
                    chain.append(m)
        for r in chain:
            printed |= {r["name"], *org_store.names_of(conn, r["id"])}
    forms: set[str] = set()
    for p in printed:
        forms |= _forms(p)
    for p in own | {organization}:
        forms |= _abbreviations(N.key(N.parse(p).main))
    return forms


def _pattern(names: set[str], people: set[str]) -> re.Pattern | None:
    parts = []
    for t in sorted(names | people, key=len, reverse=True):
        if _LATIN.match(t):
            if len(t) < 2:
                continue
            body = r"\s*".join(re.escape(w) for w in t.split()) if " " in t else re.escape(t)
            parts.append(rf"(?<![{_ID_CHARS}]){body}(?![{_ID_CHARS}])")
        else:
            body = "".join("[（(]" if c in "（(" else "[）)]" if c in "）)" else re.escape(c) for c in t)
            parts.append(body + ("" if t in people else _LEGAL_TAIL))
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


@dataclass
class Mask:
    """How one submission is shown to one reviewer of a blind call (`active` False: as it is)."""

    active: bool
    pattern: re.Pattern | None = None
    terms: frozenset[str] = field(default_factory=frozenset)  # what must never be shown
    hidden_lines: frozenset[int] = field(default_factory=frozenset)  # the organization line, the profile section

    def text(self, value):
        if not self.active or not value or self.pattern is None or not isinstance(value, str):
            return value
        return self.pattern.sub(MARK, value)

    def title(self, value: str) -> str:
        return self.text(value)

    # --- a whole submission, as `submissions.get` builds it

    def submission(self, out: dict) -> dict:
        if not self.active:
            return out
        out["title"] = self.text(out["title"])
        out["organization"] = None
        out["applicant"] = None
        out["source_file"] = None
        out["blind"] = True
        out["sections"] = [self.section(s) for s in out["sections"]]
        out["outcomes"] = [self.outcome(o) for o in out["outcomes"] or []]
        out["facts"] = self.facts(out.get("facts"))
        out["changes_since_first_submission"] = [
            {
                "what": self.text(c["what"]),
                "removed": [self.text(x) for x in c["removed"]],
                "added": [self.text(x) for x in c["added"]],
            }
            for c in out.get("changes_since_first_submission") or []
            if not PROFILE.search(c["what"] or "")
        ]
        out["attachments"] = [self.attachment_entry(a, i) for i, a in enumerate(out.get("attachments") or [], 1)]
        out["final_comment"] = self.text(out.get("final_comment"))
        return out

    def outcome(self, o: dict) -> dict:
        """A declared outcome: its quote, and a site visit's note on it (`verified`), redacted."""
        shown = {**o, "quote": self.text(o.get("quote"))}
        if o.get("verified"):
            v = o["verified"]
            shown["verified"] = {
                **v,
                "note": self.text(v.get("note")),
                "words": self.text(v.get("words")),
                "words_en": self.text(v.get("words_en")),  # quotes the same note
            }
        return shown

    def section(self, s: dict) -> dict:
        if PROFILE.search(s.get("heading") or ""):
            return {"heading": s["heading"], "text": "", "withheld": True, "note": WITHHELD_SECTION}
        return {**s, "heading": self.text(s["heading"]), "text": self.text(s.get("text") or "")}

    def facts(self, facts: dict | None) -> dict | None:
        if not facts:
            return facts
        hidden = self.hidden_lines
        out = {
            "outcomes": [
                {**o, "quote": self.text(o.get("quote"))}
                for o in facts.get("outcomes", [])
                if o.get("line") not in hidden
            ],
            "attributes": [
                {**a, "value": self.text(a.get("value")), "quote": self.text(a.get("quote"))}
                for a in facts.get("attributes", [])
                if a.get("line") not in hidden
            ],
        }
        if "flags" in facts:
            out["flags"] = [
                {
                    **f,
                    "message": self.text(f.get("message")),
                    "message_en": self.text(f.get("message_en")),
                    "quotes": [self.text(q) for q in f.get("quotes") or []],
                    "answer": self.text(f.get("answer")),
                }
                for f in facts["flags"]
                if not set(f.get("lines") or []) & hidden
            ]
        return out

    def attachment_entry(self, a: dict, n: int) -> dict:
        ext = _ext(a["filename"])
        shown = {
            "id": a["id"],
            "filename": f"附件{n}{ext}",
            "content_type": a["content_type"],
            "created_at": a.get("created_at"),
        }
        if ext in REDACTABLE:
            return {**shown, "size": a["size"], "redacted": True, "withheld": False}
        return {**shown, "size": None, "redacted": False, "withheld": True, "note": WITHHELD_ATTACHMENT}

    def attachment(self, att: dict, n: int) -> dict:
        """The attachment a reviewer downloads: a redacted copy of a text file; anything else is withheld."""
        entry = self.attachment_entry(att, n)
        if entry["withheld"]:
            return entry
        try:
            text = bytes(att["data"]).decode("utf-8")
        except UnicodeDecodeError:  # the file a submission started from, in another encoding
            return {**entry, "withheld": True, "redacted": False, "note": WITHHELD_ATTACHMENT}
        data = self.text(text).encode("utf-8")
        return {**entry, "data": data, "size": len(data), "content_type": "text/plain; charset=utf-8"}


def _ends_with_name(pattern: re.Pattern, before: str) -> bool:
    return any(m.end() == len(before) for m in pattern.finditer(before))


def _ext(filename: str | None) -> str:
    m = re.search(r"\.[A-Za-z0-9]{1,5}$", filename or "")
    return m.group(0).lower() if m else ""


def _hidden_lines(sub: dict) -> frozenset[int]:
    """Line numbers (as `programme.prefill.submission_lines` numbers them, which the facts cite)
    of the organization line and of the organization-profile sections."""
    n = 1
    hidden = set()
    if sub.get("organization"):
        n += 1
        hidden.add(n)
    for s in sub.get("sections") or []:
        if not (s.get("text") or "").strip():
            continue
        paras = [p for p in s["text"].splitlines() if p.strip()]
        span = range(n + 1, n + 2 + len(paras))
        if PROFILE.search(s.get("heading") or ""):
            hidden.update(span)
        n += 1 + len(paras)
    return frozenset(hidden)


def people(conn, sub: dict) -> set[str]:
    """The applicant's user name, display name and e-mail."""
    user = accounts_store.get_user(conn, user_id=sub["applicant_id"])
    out = {sub.get("applicant") or "", sub.get("applicant_email") or ""}
    if user is not None:
        out |= {user.username, user.display_name or "", user.email or ""}
    return {x.strip() for x in out if x and len(x.strip()) >= 2}


def identity(conn, call: dict, sub: dict) -> tuple[set[str], set[str]]:
    """What identifies one submission's applicant: the names of its organization group (with the
    short names its text declares after one of them) and the applicant's own names."""
    orgs = organization_names(conn, call, sub.get("organization"))
    who = people(conn, sub)
    pattern = _pattern(orgs, who)
    # Short names the text itself declares right after one of the names (（以下简称“时代新能”）).
    if pattern is not None:
        text = "\n".join([sub.get("title") or ""] + [s.get("text") or "" for s in sub.get("sections") or []])
        declared = {
            m.group(1).strip()
            for m in _SHORT.finditer(text)
            if _ends_with_name(pattern, text[max(0, m.start() - 80) : m.start()].rstrip())
        }
        orgs |= {d for d in declared if len(d) >= 2}
    return orgs, who


class Projector:
    """Builds the masks of one viewer in one call. A reviewer's mask of any submission redacts
    the applicants of every submission assigned to them, so a comment or a text that names another
    applicant they review gives it away neither (each identity is computed once per projector)."""

    def __init__(self, conn, call: dict, viewer_id: int | None):
        self.conn, self.call, self.viewer_id = conn, call, viewer_id
        self._identity: dict[int, tuple[set[str], set[str]]] = {}
        self._others: list[dict] | None = None

    def _of(self, sub: dict) -> tuple[set[str], set[str]]:
        if sub["id"] not in self._identity:
            self._identity[sub["id"]] = identity(self.conn, self.call, sub)
        return self._identity[sub["id"]]

    def _assigned(self) -> list[dict]:
        if self._others is None:
            from ...store import programmes as programme_store

            ids = [
                a["submission_id"]
                for a in programme_store.assignments_of(self.conn, self.call["id"])
                if a["reviewer_id"] == self.viewer_id
            ]
            self._others = programme_store.list_submissions(self.conn, self.call["id"], ids=ids) if ids else []
        return self._others

    def mask(self, sub: dict, active: bool) -> Mask:
        """The projection of `sub` for the viewer; `active`: the call is blind and the viewer is
        neither one of its organizers nor the applicant."""
        if not active:
            return Mask(False)
        orgs, who = set(), set()
        for s in [sub, *(x for x in self._assigned() if x["id"] != sub["id"])]:
            o, w = self._of(s)
            orgs |= o
            who |= w
        terms = frozenset(orgs | who | {sub.get("source_file") or ""} - {""})
        return Mask(True, _pattern(orgs, who), terms, _hidden_lines(sub))


def mask_for(conn, call: dict, sub: dict, active: bool, viewer_id: int | None = None) -> Mask:
    return Projector(conn, call, viewer_id).mask(sub, active)


def reviewer_title(conn, call: dict, sub: dict, reviewer_id: int | None = None) -> str:
    """A submission's title as its reviewer sees it (the review-assigned e-mail)."""
    return mask_for(conn, call, sub, bool(call.get("blind")), reviewer_id).title(sub["title"])


def is_blind_for(call: dict, sub: dict, actor, manager: bool) -> bool:
    return bool(call.get("blind")) and not manager and actor.user_id != sub["applicant_id"]


def pseudonyms(reviewer_ids, managers, me: int | None):
    """How the panel is named to a reviewer of a blind call: 评审专家 A, B … (in the order of
    their accounts), 组织方 for the organizers, and the reviewer's own user name for themself."""
    letters = {rid: f"评审专家 {chr(ord('A') + i) if i < 26 else i + 1}" for i, rid in enumerate(reviewer_ids)}

    def name(user_id: int, username: str | None = None) -> str:
        if user_id == me:
            return username or "我"
        if user_id in managers or user_id not in letters:
            return "组织方"  # organizers, admins: only they and the panel post
        return letters[user_id]

    return name
