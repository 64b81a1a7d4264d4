"""Every page of the web app as every role sees it, for the accessibility crawl
(tests/test_ui_a11y.py) and the screenshots (scripts/screenshots.py): a seeded library and
programme season in which every page route has an id to open and every role a page that shows
its own part; the page routes read from the app's router with their path parameters filled from
the seed; signing a browser context in; axe-core run on a page.

The seed:

- the library: the bundled sample collection (and book 000 of ../shared/corpus when present and
  asked for: organizations with groups, flags);
- call 1 (`build` of tests/test_programme_web.py, in review): submissions a (appa) and b (appb),
  rev1's review of a, a pending check round, a site visit to a led by rev2 with a photo, the
  conflict of rev3 (宝武) with b, an open revision request on a, an outbox message;
- call 2 (as benchmarks/schemathesis_seed.py): the four-round season preset, one submitted case;
- call 3 (as tests/test_finals_e2e.py's `accepted_case`): in its decision phase, a case accepted
  with its final text submitted (the finals pages have a version to show);
- a book job, an account invitation, a password-reset link and a panel invitation whose tokens
  are known (the pages behind a mailed link)."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote, urlsplit

from test_programme_web import PASSWORD, _as, build

from caseatlas.programme.services import calls, finals, reviews, revisions, rounds, selection, submissions
from caseatlas.services import Context, accounts, library, system_actor
from caseatlas.store import open_engine

# One account of each role the crawl signs in as (anonymous: none).
ROLE_USERS = {"admin": "admin1", "organizer": "org1", "reviewer": "rev1", "applicant": "appa"}


def _sections(call: dict, text: str) -> list[dict]:
    return [{"heading": h, "text": f"{text}（{h}）"} for h in call["template"]]


def seed(db: str | Path, corpus_book: Path | None = None) -> dict:
    """Seed an empty library at `db` (a SQLite path or a PostgreSQL URL): the ids every page
    route's path parameters are filled from."""
    engine = open_engine(db)
    root = Context(engine, system_actor())
    library.ingest_paths(root, [library.sample_collection_dir()])
    if corpus_book is not None:
        library.ingest_file(root, corpus_book)
    engine.dispose()

    ids = build(db, "review")  # call 1: users org1, org2, admin1, appa, appb, rev1–rev3
    engine = open_engine(db)
    org = _as(engine, "org1")
    ids["revision"] = revisions.request_revision(
        org, ids["a"], "1. 请补充减排量的核算方法。\n2. 请说明设备规模。", "2099-03-31T18:00"
    ).id

    # call 2: the four-round season, one submitted case
    call2 = calls.create(
        org, "cteam", "四轮征集", 2026, domains=["绿色制造"], deadlines={"submission_deadline": "2099-01-01"}
    )
    season = rounds.use_season(org, call2["id"])
    calls.publish(org, call2["id"])
    appa = _as(engine, "appa")
    s = submissions.create(appa, call2["id"], "丙案例", "绿色制造", _sections(call2, "每年节电 200 万千瓦时"))
    submissions.submit(appa, s["id"])
    ids["season_call"], ids["season_rounds"], ids["season_sub"] = call2["id"], [r.id for r in season], s["id"]

    # call 3: decided, an accepted case whose final text is in
    call3 = calls.create(
        org,
        "cteam",
        "2026 企业气候行动案例征集",
        2026,
        domains=["能源转型"],
        organizers=["某气候行动促进中心"],
        deadlines={"submission_deadline": "2099-01-01"},
    )
    calls.publish(org, call3["id"])
    calls.add_member(org, call3["id"], "rev1", "reviewer", affiliation="某大学")
    s3 = submissions.create(
        appa, call3["id"], "园区储能与绿电交易", "能源转型", _sections(call3, "储能电站每年减排 960 吨")
    )
    submissions.submit(appa, s3["id"])
    calls.advance(org, call3["id"])  # review
    reviews.assign(org, s3["id"], "rev1")
    reviews.save_review(
        _as(engine, "rev1"),
        s3["id"],
        {c["key"]: 5 for c in call3["criteria"]},
        confidence=4,
        expert_comment="储能调峰与绿电交易结合，示范性强。",
        submit=True,
    )
    calls.advance(org, call3["id"])  # discussion
    selection.decide(org, call3["id"], [{"submission": s3["id"], "decision": "accept"}], preview=False)
    calls.advance(org, call3["id"])  # decision
    finals.set_settings(org, call3["id"], finals_deadline="2099-06-30T18:00")
    finals.submit(appa, s3["id"], "园区储能与绿电交易（定稿）", _sections(call3, "定稿正文"))
    ids["final_call"], ids["final_sub"] = call3["id"], s3["id"]

    # the pages behind links that are mailed: tokens known here
    from caseatlas.programme.services import invitations
    from caseatlas.services.audit import now as audit_now
    from caseatlas.store import accounts as accounts_store
    from caseatlas.store import jobs as jobs_store
    from caseatlas.store import mail as mail_store

    link = accounts.add_user(root, "newcomer", None, "reviewer", email="newcomer@example.org").invitation
    ids["invite_token"] = link.rsplit("/", 1)[1]
    with engine.begin() as conn:
        user = accounts_store.get_user(conn, "appb")
        ids["reset_token"] = accounts._issue(conn, user, "reset", timedelta(hours=2))
        panel_token = secrets.token_urlsafe(32)
        rev2 = accounts_store.get_user(conn, "rev2")
        at = audit_now()
        mail_store.put_invitation(
            conn, ids["call"], rev2.id, invitations._hash(panel_token), at, "2099-01-01T00:00:00+00:00"
        )
        ids["panel_token"] = panel_token
        organizer = accounts_store.get_user(conn, "org1")
        ids["job"] = jobs_store.add_job(conn, "book", {"collection": "sample"}, organizer.id, at)
    from caseatlas.services import organizations

    cases = library.cases(root)
    ids["case"], ids["case2"] = cases[0].id, cases[1].id
    ids["org"] = organizations.organizations(root)[0].id
    engine.dispose()
    return ids


# --- the pages


def page_routes(app) -> list[str]:
    """The path of every GET route that answers with an HTML page (included routers walked)."""
    from fastapi.responses import HTMLResponse

    def walk(routes, prefix: str = "") -> list[str]:
        out = []
        for r in routes:
            inner = getattr(r, "original_router", None)
            if inner is not None:
                out += walk(inner.routes, prefix + r.include_context.prefix)
            elif "GET" in (getattr(r, "methods", None) or ()) and getattr(r, "response_class", None) is HTMLResponse:
                out.append(prefix + r.path)
        return out

    return sorted(set(walk(app.routes)))


def fill(route: str, ids: dict) -> list[str]:
    """The URLs the crawl opens for a page route: its path parameters filled from the seed's ids
    (several where the pages differ: a call in review and one decided, a round of review and a
    formal check); none when a parameter has no value here (a new route: the crawl says so)."""
    calls_ = [ids["call"], ids["final_call"]]
    by_route = {
        "/search": ["/search?q=" + quote("减排"), "/search?q=" + quote("光伏 -海岛") + "&mode=text"],
        "/compare": [f"/compare?ids={quote(ids['case'])},{quote(ids['case2'])}"],
        # the cases behind a home-page total (a route of the home page's rewrite)
        "/insights/cases": ["/insights/cases?kind=co2e_reduction&unit=tCO2e&period=annual"],
        "/invite/{token}": [f"/invite/{ids['invite_token']}"],
        "/reset/{token}": [f"/reset/{ids['reset_token']}"],
        "/panel-invitations/{token}": [f"/panel-invitations/{ids['panel_token']}"],
        "/calls/{call_id}": [f"/calls/{c}" for c in calls_],
        "/calls/{call_id}/rounds": [f"/calls/{ids['season_call']}/rounds"],
        "/calls/{call_id}/finals": [f"/calls/{ids['final_call']}/finals"],
        "/calls/{call_id}/ranking": [f"/calls/{c}/ranking" for c in calls_],
        "/rounds/{round_id}/checks": [f"/rounds/{ids['season_rounds'][0]}/checks"],
        "/rounds/{round_id}/shortlist": [f"/rounds/{ids['round']}/shortlist"],
        "/submissions/{submission_id}": [f"/submissions/{s}" for s in (ids["a"], ids["b"], ids["final_sub"])],
        "/submissions/{submission_id}/final": [f"/submissions/{ids['final_sub']}/final"],
    }
    if route in by_route:
        return by_route[route]
    values = {
        "case_id": quote(ids["case"]),
        "org_id": ids["org"],
        "job_id": ids["job"],
        "call_id": ids["call"],
        "submission_id": ids["a"],
        "round_id": ids["round"],
        "visit_id": ids["visit"],
        "notification_id": ids["mail"],
    }
    url = route
    for param in re.findall(r"\{(\w+)(?::\w+)?\}", route):
        if param not in values:
            return []
        url = re.sub(r"\{" + param + r"(?::\w+)?\}", str(values[param]), url)
    return [url]


# Pages no route lists as such: what a person meets when a link is wrong or not theirs.
ERROR_PAGES = [
    ("anonymous", "/cases/no-such-book:1", 404),
    ("anonymous", "/invite/not-a-token", 410),  # the link-invalid page says what to do next
    ("reviewer", "/admin/outbox", 403),
    ("applicant", "/calls/999999", 404),
]


def slug(url: str) -> str:
    """A file-name part for a URL: /calls/1/ranking → calls-1-ranking; / → home."""
    parts = urlsplit(url)
    text = (parts.path.strip("/") or "home") + ("-" + parts.query if parts.query else "")
    text = re.sub(r"[^\w.-]+", "-", text, flags=re.ASCII).strip("-")
    return text[:80] or "home"


# --- the browser


def sign_in(context, base: str, role: str, lang: str) -> None:
    """A browser context as `role` (one account per role; anonymous: none), in `lang`."""
    context.add_cookies([{"name": "lang", "value": lang, "url": base}])
    if role == "anonymous":
        return
    r = context.request.post(f"{base}/api/v1/login", data={"username": ROLE_USERS[role], "password": PASSWORD})
    assert r.ok, f"login {role}: {r.status} {r.text()}"


def settle(page) -> None:
    """Wait for what the page draws after load: the charts (Plotly, from the local copy) and
    Swagger UI's operations."""
    try:
        page.wait_for_function(
            "[...document.querySelectorAll('[id^=chart-]')].every(e => e.querySelector('.main-svg'))"
            " && (!document.getElementById('swagger-ui') || document.querySelector('.opblock'))",
            timeout=15_000,
        )
    except Exception:  # a chart that never draws is the axe run's and the reader's to see
        pass


def open_page(page, base: str, url: str) -> tuple[int, bool]:
    """Open `url`: (its HTTP status, whether the page shown is that URL's and not a redirect's)."""
    resp = page.goto(base + url, wait_until="load")
    status = resp.status if resp is not None else 0
    same = urlsplit(page.url).path == urlsplit(base + url).path
    return status, same


SEVERE = ("serious", "critical")
THIRD_PARTY = ("#swagger-ui",)


def axe(page) -> list[dict]:
    """axe-core (4.12, bundled with axe-playwright-python) on the page: its violations, each as
    {id, impact, count, help, targets}."""
    from axe_playwright_python.sync_playwright import Axe

    # Swagger UI (/docs) is a vendored third-party UI that no template here writes: its own
    # markup is left out (its page around it is checked); the report says so.
    results = Axe().run(page, context={"exclude": [[s] for s in THIRD_PARTY]})
    return [
        {
            "id": v["id"],
            "impact": v.get("impact") or "minor",
            "count": len(v["nodes"]),
            "help": v["help"],
            "targets": [" ".join(map(str, n["target"])) for n in v["nodes"][:5]],
        }
        for v in results.response["violations"]
    ]


def overflow(page, width: int = 390) -> int:
    """How many CSS pixels the page is wider than a `width`-px viewport (0: no horizontal scroll),
    as a phone opens it: measured after a resize and, when that overflows (charts drawn for the
    wider window may keep their width), again after loading the page at that width. The viewport
    is set back afterwards (the page reloaded at its width when it was)."""
    before = page.viewport_size
    page.set_viewport_size({"width": width, "height": 844})
    wide = "document.documentElement.scrollWidth - window.innerWidth"
    over = page.evaluate(wide)
    if over > 1:
        page.reload(wait_until="load")
        settle(page)
        over = page.evaluate(wide)
        page.set_viewport_size(before)
        page.reload(wait_until="load")
        settle(page)
    else:
        page.set_viewport_size(before)
    return max(0, int(over) - 1)


def table(rows: list[dict]) -> str:
    """The per-page table: role, lang, URL, status, then each violation as id(impact)×count."""
    lines = [f"{'role':10} {'lang':4} {'status':6} {'390px':6} url — violations (id impact ×count)"]
    for r in rows:
        found = "; ".join(f"{v['id']} {v['impact']} ×{v['count']}" for v in r["violations"]) or "none"
        over = f"+{r['overflow']}" if r.get("overflow") else "ok"
        lines.append(f"{r['role']:10} {r['lang']:4} {r['status']:<6} {over:6} {r['url']} — {found}")
    return "\n".join(lines)


__all__ = ["PASSWORD", "ROLE_USERS", "seed", "page_routes", "fill", "ERROR_PAGES", "sign_in", "axe", "overflow"]


# --- the keyboard

# The controls a person fills or presses, visible and enabled, in the page's forms (a group of
# radio buttons is one stop: Tab reaches one of them, the arrow keys the others).
_MARK_CONTROLS = """() => {
  const sel = 'input:not([type=hidden]), select, textarea, button';
  const shown = e => !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length)
    && getComputedStyle(e).visibility !== 'hidden';
  const out = [], radios = new Map();
  document.querySelectorAll('form').forEach((f, fi) => f.querySelectorAll(sel).forEach(e => {
    if (e.disabled || !shown(e) || e.closest('[inert], [hidden], details:not([open])')) return;
    const group = e.type === 'radio' && e.name ? fi + '/' + e.name : null;
    if (group && radios.has(group)) { e.dataset.kb = radios.get(group); return; }
    e.dataset.kb = String(out.length);
    if (group) radios.set(group, e.dataset.kb);
    out.push(((e.labels && e.labels[0] ? e.labels[0].innerText : '') || e.getAttribute('aria-label')
             || e.innerText || e.value || e.name || e.type).trim().slice(0, 60));
  }));
  return out;
}"""


def unreachable_by_tab(page, extra: int = 40) -> list[str] | None:
    """The form controls of the page that pressing Tab from the top never focuses (their labels;
    None: the page has none). Presses Tab until every control was focused or focus came round."""
    names = page.evaluate(_MARK_CONTROLS)
    if not names:
        return None
    focusable = page.evaluate(
        "document.querySelectorAll('a[href], input:not([type=hidden]), select, textarea, button, [tabindex]').length"
    )
    page.evaluate("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)")
    seen: set[str] = set()
    for _ in range(focusable + extra):
        page.keyboard.press("Tab")
        kb = page.evaluate("document.activeElement ? (document.activeElement.dataset.kb ?? null) : null")
        if kb is not None:
            seen.add(kb)
            if len(seen) == len(names):
                break
    return [names[int(k)] for k in map(str, range(len(names))) if k not in seen]
