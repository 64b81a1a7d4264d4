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
import subprocess
import sys
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent


def records() -> list[dict]:
    out = []
    for f in sorted((HERE / "docs").glob("*.toml")):
        rec = tomllib.loads(f.read_text(encoding="utf-8"))
        rec["id"] = f.stem
        out.append(rec)
    return out


def git_dir(mirrors: Path, repo: str) -> Path | None:
    owner_name = repo.replace("/", "+")
    for cand in sorted(mirrors.glob(f"{owner_name}*")):
        for d in [cand, *cand.rglob("*.git")]:
            if (d / "HEAD").exists() and (d / "objects").exists():
                return d
    return None


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    ap.add_argument("--out", type=Path, default=Path("/work/realdocs"))
    args = ap.parse_args()
    missing = []
    for rec in records():
        gd = git_dir(args.mirrors, rec["repo"])
        if gd is None:
            missing.append(rec["repo"])
            continue
        data = subprocess.run(
            ["git", "--git-dir", str(gd), "show", f"{rec['commit']}:{rec['path']}"], capture_output=True, check=True
        ).stdout
        target = args.out / rec["split"] / f"{rec['id']}{Path(rec['path']).suffix.lower()}"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        print(f"{rec['id']}: {len(data):,} bytes -> {target}")
    for repo in sorted(set(missing)):
        print(f"no snapshot of {repo} under {args.mirrors}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
