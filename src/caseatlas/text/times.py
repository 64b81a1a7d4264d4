"""The one writer of a moment for people: a stored instant (ISO-8601, UTC) shown in the call's time
zone, with the zone named, so "2027-03-31T15:59:00+00:00" reads "2027年3月31日 23:59（北京时间）"
on pages, in e-mails, the CLI and exports alike. Storage stays UTC; only people see local time."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TZ = "Asia/Shanghai"
# Zones people name in words; others are named by their IANA key and offset.
ZONE_NAMES = {"Asia/Shanghai": ("北京时间", "Beijing time"), "Asia/Hong_Kong": ("香港时间", "Hong Kong time")}


def zone(tz: str | None) -> ZoneInfo:
    """The zone of a call (`None`/empty: the default). An unknown key is a user's error upstream;
    here it falls back to the default rather than failing a page."""
    try:
        return ZoneInfo(tz or DEFAULT_TZ)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TZ)


def valid_zone(tz: str) -> bool:
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _instant(value: str | datetime) -> datetime:
    dt = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def zone_label(tz: str | None, lang: str = "zh", at: str | datetime | None = None) -> str:
    key = tz or DEFAULT_TZ
    if key in ZONE_NAMES:
        return ZONE_NAMES[key][0 if lang == "zh" else 1]
    moment = _instant(at) if at is not None else datetime.now(UTC)
    offset = moment.astimezone(zone(key)).strftime("%z")
    return f"{key}, UTC{offset[:3]}:{offset[3:]}"


def local_time(value: str | datetime | None, tz: str | None = None, lang: str = "zh", empty: str = "—") -> str:
    """ "2027年3月31日 23:59（北京时间）" / "31 Mar 2027, 23:59 (Beijing time)"; `empty` for no value."""
    if value is None or value == "":
        return empty
    try:
        local = _instant(value).astimezone(zone(tz))
    except ValueError:
        return str(value)  # not an instant: shown as stored, never an error page
    label = zone_label(tz, lang, local)
    if lang == "zh":
        return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}（{label}）"
    return f"{local.day} {local:%b %Y}, {local:%H:%M} ({label})"


def local_input(value: str | None, tz: str | None = None) -> str:
    """The instant as a `datetime-local` form value in the call's zone ("2027-03-31T23:59")."""
    if not value:
        return ""
    try:
        return _instant(value).astimezone(zone(tz)).strftime("%Y-%m-%dT%H:%M")
    except ValueError:
        return str(value)
