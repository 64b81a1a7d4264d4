"""The real-document set (eval/real) measured with two versions of CaseAtlas side by side, in one
run: each revision is checked out into a temporary worktree and run as its own process on a
fresh library of the same documents.

    python benchmarks/eval_real.py --docs /work/realdocs --rev 09f4a96 --rev HEAD [--hybrid]

`--docs` is where `eval/real/get.py` put the documents (`dev/` and `heldout/`). Per split and
revision: cases (P/R/F1, titles, organizations), core outcomes (P/R, period accuracy), claim
checks (recall and precision per check type) and search (nDCG@10 per language, text leg; with
`--hybrid` also the hybrid after `caseatlas embed`). The annotations are always this checkout's
(`eval/real/…`), so both revisions are scored against the same gold.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from statistics import mean

ROOT = Path(__file__).resolve().parents[1]
ANNOTATIONS = ROOT / "eval" / "real"  # --annotations changes it


CORE_KINDS = {"co2e_reduction", "energy_saving", "renewable_capacity", "renewable_generation", "investment_or_finance"}
CORE_UNITS = {"tCO2", "tCO2e", "tce", "kWh", "MW", "CNY"}


def gold_core(split: str, book: str) -> int:
    """Core outcomes in the whole gold file: `eval facts` counts those of matched cases only, so
    a document read as no case would otherwise weigh nothing in the totals."""
    cases = json.loads((annotations(split) / "gold" / f"{book}.json").read_text(encoding="utf-8"))
    return sum(m["kind"] in CORE_KINDS and m["unit"] in CORE_UNITS for c in cases for m in c.get("metrics", []))


def annotations(split: str) -> Path:
    return ANNOTATIONS if split == "dev" else ANNOTATIONS / "heldout"


def caseatlas(src: Path, *args: str, check: bool = True) -> str:
    env = {**os.environ, "PYTHONPATH": str(src)}
    out = subprocess.run([sys.executable, "-m", "caseatlas", *args], env=env, capture_output=True, text=True)
    if not check:  # ingest: a document read as "no cases found" scores 0, the others go on
        print(out.stderr.strip(), file=sys.stderr) if out.stderr.strip() else None
        return out.stdout
    if out.returncode:
        raise SystemExit(f"caseatlas {' '.join(args[:2])} failed: {out.stderr.strip()[-400:]}")
    return out.stdout


def joined(folder: Path, tmp: Path, name: str) -> Path:
    items = []
    for f in sorted(folder.glob("*.json")):
        items.extend(json.loads(f.read_text(encoding="utf-8")))
    path = tmp / name
    path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    return path


def measure(src: Path, docs: Path, split: str, tmp: Path, hybrid: bool) -> dict:
    base = annotations(split)
    db = str(tmp / f"{split}.db")
    caseatlas(src, "ingest", "--db", db, str(docs / split), check=False)
    gold = str(base / "gold")
    result = {
        "cases": json.loads(caseatlas(src, "eval", "cases", "--db", db, "--gold", gold, "--json")),
        "facts": json.loads(caseatlas(src, "eval", "facts", "--db", db, "--gold", gold, "--json")),
    }
    claims = joined(base / "claims", tmp, f"claims-{split}.json")
    result["claims_annotated"] = len(json.loads(claims.read_text(encoding="utf-8")))
    result["checks"] = json.loads(
        caseatlas(src, "eval", "checks", "--db", db, "--gold", str(claims), "--cases", gold, "--json")
    )
    queries_path = joined(base / "queries", tmp, f"queries-{split}.json")
    queries = json.loads(queries_path.read_text(encoding="utf-8"))
    modes = "text"
    if hybrid:
        caseatlas(src, "embed", "--db", db)
        modes = "text,hybrid"
    if queries:
        out = json.loads(
            caseatlas(
                src,
                "eval",
                "search",
                "--db",
                db,
                "--queries",
                str(queries_path),
                "--gold",
                gold,
                "--modes",
                modes,
                "--json",
            )
        )
        lang = {q["id"]: q.get("lang", "zh") for q in queries}
        result["search"] = {
            system: {
                lg: round(mean(v for q, v in data["per_query"].items() if lang.get(q) == lg), 3)
                for lg in sorted(set(lang.values()))
                if any(lang.get(q) == lg for q in data["per_query"])
            }
            for system, data in out["systems"].items()
        }
    return result


def table(results: dict[str, dict], split: str) -> None:
    revs = list(results)
    print(f"\n## {split}\n")
    print("| document | rev | cases gold/pred | P | R | F1 | titles | orgs | outcomes P | R | R (all) | periods |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    books = sorted({c["book"] for r in revs for c in results[r]["cases"]})
    for book in books:
        for rev in revs:
            c = next((x for x in results[rev]["cases"] if x["book"] == book), None)
            f = next((x for x in results[rev]["facts"] if x["book"] == book), None)
            if c is None:
                continue
            core = gold_core(split, book)
            found = round(f["recall"] * f["gold_outcomes"]) if f else 0
            r_all = f"{found}/{core}" if core else "-"
            fp = (
                f"{f['precision']:.2f} | {f['recall']:.2f} | {r_all} | {f['period_accuracy'] or 0:.2f}"
                if f
                else "- | - | - | -"
            )
            print(
                f"| {book} | {rev} | {c['gold']}/{c['predicted']} | {c['precision']:.2f} | {c['recall']:.2f} | "
                f"{c['f1']:.2f} | {c['title_exact']:.2f} | {c['organization_exact']:.2f} | {fp} |"
            )
    for rev in revs:
        cs, fs = results[rev]["cases"], results[rev]["facts"]
        gold = sum(c["gold"] for c in cs)
        pred = sum(c["predicted"] for c in cs)
        matched = sum(c["matched"] for c in cs)
        p = matched / pred if pred else 0.0
        r = matched / gold if gold else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        titles = sum(c["title_exact"] * c["matched"] for c in cs) / matched if matched else 0.0
        orgs = sum(c["organization_exact"] * c["matched"] for c in cs) / matched if matched else 0.0
        go = sum(f["gold_outcomes"] for f in fs)
        found = sum(round(f["recall"] * f["gold_outcomes"]) for f in fs)
        rec = found / go if go else 0.0
        core = sum(gold_core(split, c["book"]) for c in cs)
        po = sum(f["predicted_outcomes"] for f in fs)
        prec = sum(f["precision"] * f["predicted_outcomes"] for f in fs) / po if po else 0.0
        print(
            f"| **all ({len(cs)} docs)** | {rev} | {gold}/{pred} | {p:.2f} | {r:.2f} | {f1:.2f} | {titles:.2f} | "
            f"{orgs:.2f} | {prec:.2f} | {rec:.2f} | {found}/{core} | |"
        )
    print("\nclaim checks (recall caught/items; flags raised):")
    for rev in revs:
        ch = results[rev]["checks"]
        per = ", ".join(f"{k} {v}" for k, v in sorted(ch.get("per_check", {}).items()))
        total = results[rev]["claims_annotated"]  # eval checks leaves out books read as no case
        print(
            f"- {rev}: caught {ch['caught']} of {total} annotated ({ch['items']} in books read), "
            f"flags {ch['flags']}; {per}"
        )
    if any("search" in results[r] for r in revs):
        print("\nsearch nDCG@10 per language:")
        for rev in revs:
            for system, langs in results[rev].get("search", {}).items():
                print(f"- {rev} {system}: " + ", ".join(f"{lg} {v:.3f}" for lg, v in langs.items()))


def main() -> int:
    global ANNOTATIONS
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=Path, default=Path("/work/realdocs"))
    ap.add_argument("--rev", action="append", required=True, help="git revision (repeat to compare)")
    ap.add_argument("--split", action="append", choices=["dev", "heldout"])
    ap.add_argument("--hybrid", action="store_true")
    ap.add_argument("--json", type=Path, help="also write every figure here")
    ap.add_argument("--annotations", type=Path, default=ANNOTATIONS, help="gold/, claims/, queries/, heldout/")
    args = ap.parse_args()
    ANNOTATIONS = args.annotations.resolve()
    splits = args.split or ["dev", "heldout"]
    everything: dict = {}
    with tempfile.TemporaryDirectory() as tmp_root:
        for rev in args.rev:
            tree = Path(tmp_root) / f"tree-{len(everything)}"
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(tree), rev], check=True)
            try:
                for split in splits:
                    tmp = Path(tmp_root) / f"{rev}-{split}".replace("/", "_")
                    tmp.mkdir()
                    everything.setdefault(split, {})[rev] = measure(tree / "src", args.docs, split, tmp, args.hybrid)
            finally:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False)
    for split in splits:
        table(everything[split], split)
    if args.json:
        args.json.write_text(json.dumps(everything, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
