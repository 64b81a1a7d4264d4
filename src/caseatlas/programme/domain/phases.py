"""A call's phase and quotas, from its stored fields alone (no clock, no I/O): the services pass
the time and act on the answer; `services/rules.py` decides what each phase permits."""

from __future__ import annotations

from ...vocab import DEADLINES, PHASES


def phase(call: dict, now: str) -> str:
    """The call's phase at `now` from its deadlines (ISO-8601 UTC strings; a missing deadline has not
    passed)."""
    if not call.get("published_at"):
        return "draft"
    if call.get("collection_slug"):  # reopened: its decisions can change until it is published again
        return "decision" if call.get("reopened_at") else "published"
    for deadline, name in zip(DEADLINES[:3], PHASES[1:4]):
        if not call.get(deadline) or now < call[deadline]:
            return name
    return "decision"


def over_quota(accepted: dict[str, int], quotas: dict[str, int]) -> dict[str, int]:
    """The domains whose accepted cases exceed their quota (domain → accepted)."""
    return {d: n for d, n in accepted.items() if d in quotas and n > quotas[d]}
