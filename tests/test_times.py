"""The one writer of times for people: a UTC instant in the call's zone, the zone named."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from caseatlas.programme.services.calls import parse_deadline
from caseatlas.text.times import local_input, local_time


def test_beijing_time_in_chinese_and_english():
    assert local_time("2027-03-31T15:59:00+00:00", "Asia/Shanghai") == "2027年3月31日 23:59（北京时间）"
    assert local_time("2027-03-31T15:59:00+00:00", "Asia/Shanghai", "en") == "31 Mar 2027, 23:59 (Beijing time)"
    assert local_time("2027-03-31T15:59:00+00:00", "Europe/Berlin") == "2027年3月31日 17:59（Europe/Berlin, UTC+02:00）"
    assert local_time(None) == "—" and local_time("not a time") == "not a time"


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)))
def test_what_the_form_shows_is_read_back_as_the_same_instant(moment):
    instant = moment.replace(second=0, microsecond=0, tzinfo=UTC).isoformat(timespec="seconds")
    shown = local_input(instant, "Asia/Shanghai")
    assert parse_deadline(shown) == instant
    assert datetime.fromisoformat(instant) - datetime.fromisoformat(parse_deadline(shown)) == timedelta(0)


def test_one_clock_moves_every_service():
    """`rules.set_clock` moves the time of every module, also those that imported `now_iso` by name."""
    from caseatlas.programme.services import submissions
    from caseatlas.services import notify, rules

    moment = datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)
    rules.set_clock(moment)
    try:
        assert submissions.now_iso() == notify.now_iso() == "2031-05-06T07:08:09+00:00"
        assert rules.now() == moment
    finally:
        rules.set_clock(None)
    assert rules.now().year != 2031
