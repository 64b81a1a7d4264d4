"""Bring the real documents of this evaluation set onto the machine from public repository
snapshots. The documents are not in this repository (their licences do not all allow it):
each `docs/<id>.toml` records where one comes from — `repo`, `commit`, `path` inside it — and
this script copies it out of a local git snapshot of that repository into OUT as `<id>.<ext>`
(`dev/` or `heldout/` by the record's `split`).

    python eval/real/get.py --mirrors /work/.mirror --out /work/realdocs

A snapshot is a bare git directory (e.g. made by `git clone --mirror URL`); the script looks
for `<owner>+<name>*` under --mirrors. Missing snapshots are listed, not fatal."""

from __future__ import annotations

import argparse
import hashlib
import re
import subprocess
import sys
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent


def records(folder: Path = HERE / "docs") -> list[dict]:
    out = []
    for f in sorted(folder.glob("*.toml")):
        rec = tomllib.loads(f.read_text(encoding="utf-8"))
        rec["id"] = f.stem
        out.append(rec)
    return out


def suffix(rec: dict) -> str:
    """The file type CaseAtlas reads it as: the record's `format` when it names one, else the path's."""
    known = {"txt": "txt", "text": "txt", "md": "md", "markdown": "md", "pdf": "pdf", "docx": "docx"}
    known |= {"html": "html", "htm": "html"}
    words = re.findall(r"[a-z]+", str(rec.get("format", "")).lower()) + [Path(rec["path"]).suffix.lower().lstrip(".")]
    return "." + next((known[w] for w in words if w in known), "txt")


def git_dir(mirrors: Path, repo: str) -> Path | None:
    """The bare git directory of `repo`'s snapshot under `mirrors`: `<owner>+<name>` itself, a
    `*.git` beside it, or any git directory inside it (e.g. `<owner>+<name>/repo`)."""
    owner_name = repo.replace("/", "+")
    for cand in sorted(mirrors.glob(f"{owner_name}*")):
        for d in [cand, *sorted(p for p in cand.rglob("*") if p.is_dir())]:
            if (d / "HEAD").is_file() and (d / "objects").is_dir():
                return d
    return None


def main() -> int:
    """Copy every recorded document out of its snapshot; exit 1 when a copy's sha256 differs from
    the record (the snapshot is not the version that was annotated)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    ap.add_argument("--out", type=Path, default=Path("/work/realdocs"))
    ap.add_argument("--records", type=Path, default=HERE / "docs", help="folder of <id>.toml records")
    args = ap.parse_args()
    missing = []
    bad = 0
    for rec in records(args.records):
        gd = git_dir(args.mirrors, rec["repo"])
        if gd is None:
            missing.append(rec["repo"])
            continue
        data = subprocess.run(
            ["git", "--git-dir", str(gd), "show", f"{rec['commit']}:{rec['path']}"], capture_output=True, check=True
        ).stdout
        target = args.out / rec["split"] / f"{rec['id']}{suffix(rec)}"
        target.parent.mkdir(parents=True, exist_ok=True)
        if rec.get("sha256") and hashlib.sha256(data).hexdigest() != rec["sha256"]:
            print(f"{rec['id']}: bytes differ from the annotated version (sha256)", file=sys.stderr)
            bad += 1
            continue
        target.write_bytes(data)
        print(f"{rec['id']}: {len(data):,} bytes -> {target}")
    for repo in sorted(set(missing)):
        print(f"no snapshot of {repo} under {args.mirrors}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
