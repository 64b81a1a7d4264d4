"""English mode, complete (issue 27, item 6): every page read in English writes its figures with
the one writer in English (thousands, never 万/亿) and its own words with English punctuation;
quoted source text (titles, names, evidence, the book's lines) is marked `lang="zh"` and is the
only Chinese left. Every label a page asks for has an English. Lists are joined by one joiner per
language. Mails go in their recipient's language: an account states it (the account page, an
invitation, the language an applicant registered in); Chinese when it does not."""

from __future__ import annotations

import re
import time
from email.header import decode_header, make_header
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from lxml import html as lhtml
from test_programme_web import PASSWORD, _routes, build

from caseatlas.programme.services import calls, communications, submissions
from caseatlas.services import Actor, Context, accounts, library, system_actor
from caseatlas.store import accounts as accounts_store
from caseatlas.store import open_engine
from caseatlas.text.lists import join_list, parenthesized
from caseatlas.web import create_app, i18n
from caseatlas.web.pages import mark_quotes

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = [
    *sorted((ROOT / "src/caseatlas/web/templates").glob("*.html")),
    *sorted((ROOT / "src/caseatlas/programme/web/templates").glob("*.html")),
]
CJK = re.compile(r"[\u3400-\u9fff]")
# A figure written the Chinese way, and the full-width marks English text never uses.
CHINESE_NUMBER = re.compile(r"\d[\d,.]*\s*[万亿]")
CJK_PUNCTUATION = re.compile(r"[，。；：（）、]")

# --- the joiner and the marks


def test_lists_are_joined_as_each_language_writes_them():
    assert join_list(["储能", "光伏", "", None], "zh") == "储能、光伏"
    assert join_list(["energy storage", "solar"], "en") == "energy storage, solar"
    assert join_list(["a", "b"], "en", "clauses") == "a; b"
    assert join_list(["甲", "乙"], "zh", "clauses") == "甲；乙"
    assert (parenthesized("组长", "zh"), parenthesized("lead", "en"), parenthesized("", "en")) == (
        "（组长）",
        " (lead)",
        "",
    )


def test_a_quotation_of_source_text_is_marked_and_escaped():
    out = str(mark_quotes("The total '合计 <b>3 万吨' is not 'x' (30,000 t)."))
    assert '&#39;<span lang="zh">合计 &lt;b&gt;3 万吨</span>&#39;' in out
    assert "'x'" not in out and "&#39;x&#39;" in out  # English quotations are left alone
    assert "<b>" not in out


# --- labels


def _static_keys() -> set[str]:
    keys = set()
    sources = [*TEMPLATES, *sorted((ROOT / "src/caseatlas").rglob("*.py"))]
    for path in sources:
        text = path.read_text(encoding="utf-8")
        keys |= set(re.findall(r"\bt\(\s*'([a-z0-9_]+)'\s*\)", text))
        keys |= set(re.findall(r'\bt\(\s*"([a-z0-9_]+)"\s*\)', text))
        keys |= set(re.findall(r'translator\([^)]*\)\(\s*"([a-z0-9_]+)"\s*\)', text))
    return keys


def test_every_label_a_template_asks_for_exists_with_an_english():
    from caseatlas import vocab

    missing = sorted(k for k in _static_keys() if k not in i18n.STRINGS)
    assert not missing, f"t() keys without an entry in web/i18n.py STRINGS: {missing}"
    # the keys pages build from a vocabulary: every value of it has its label
    built = {
        "kind_": vocab.OUTCOME_KINDS,
        "period_": vocab.PERIODS,
        "status_": vocab.STATUSES,
        "scope_": [s for s in vocab.SCOPES if s != "project"],
        "check_": vocab.CHECKS,
        "sev_": vocab.SEVERITIES,
        "verdict_": vocab.VERDICTS,
        "role_": vocab.ROLES,
        "phase_": vocab.PHASES,
        "sub_": vocab.SUBMISSION_STATUSES,
        "decision_": vocab.STORED_DECISIONS,
        "origin_": vocab.ORIGINS,
        "revision_": vocab.REVISION_STATES,
        "mode_": vocab.SEARCH_MODES,
    }
    missing = sorted(p + v for p, values in built.items() for v in values if p + v not in i18n.STRINGS)
    assert not missing, missing
    # every entry: a Chinese and an English, the English in English (the language toggle names
    # the other language in its own script; a search example keeps Chinese search words, and the
    # hint shows a Chinese word's English equivalent)
    own_script = {"language", "lang_zh", "search_placeholder", "search_hint"}
    bad = [
        k
        for k, (zh, en) in i18n.STRINGS.items()
        if not zh.strip() or not en.strip() or (k not in own_script and (CJK.search(en) or CJK_PUNCTUATION.search(en)))
    ]
    assert not bad, f"entries whose English is missing or not English: {bad}"


# --- every page in English


def _visible(page: str) -> str:
    """The text a reader of the page sees in its body, without the elements that quote source
    text (`lang="zh"`) and without what is not shown as text."""
    doc = lhtml.fromstring(page)
    for el in doc.xpath('//head|//*[@lang="zh"]|//script|//style|//textarea|//option|//template'):
        el.drop_tree()
    return doc.text_content()


def _defects(page: str) -> list[str]:
    text = _visible(page)
    out = []
    for pattern in (CHINESE_NUMBER, CJK_PUNCTUATION):
        out += [text[max(0, m.start() - 25) : m.end() + 15].replace("\n", " ").strip() for m in pattern.finditer(text)]
    return out


@pytest.fixture(scope="module")
def site(tmp_path_factory, sample_file):
    """A library (the bundled sample book and a corpus-like book of figures in 万/亿) and a call in
    review with submissions, reviews, a site visit and mail: the pages every role can reach."""
    db = tmp_path_factory.mktemp("english") / "library.db"
    engine = open_engine(db)
    root = Context(engine, system_actor())
    library.ingest_file(root, sample_file)
    book = tmp_path_factory.mktemp("book") / "英文模式测试案例集.md"
    book.write_text(
        "# 英文模式测试案例集\n\n## 一、工业园区屋顶光伏\n\n实施单位：某某新能源（集团）有限公司\n\n"
        "项目年发电量 1,200万千瓦时，每年减少二氧化碳排放约 9.6万吨，累计投资 3.5亿元。\n\n"
        "## 二、城市公交电动化\n\n实施单位：某市公共交通集团有限公司\n\n"
        "全市 5,000 辆公交车完成电动化，每年减排 12万吨二氧化碳；项目总投资 18亿元。\n",
        encoding="utf-8",
    )
    library.ingest_file(root, book)
    engine.dispose()
    ids = build(db, "review")
    return db, ids


def _fill(path: str, ids: dict, db) -> list[str]:
    engine = open_engine(db)
    with engine.connect() as conn:
        from sqlalchemy import text

        cases = [r[0] for r in conn.execute(text("SELECT case_id FROM cases ORDER BY id"))]
        orgs = [r[0] for r in conn.execute(text("SELECT org_id FROM organizations ORDER BY id"))]
    engine.dispose()
    values = {
        "call_id": [ids["call"]],
        "submission_id": [ids["a"]],
        "attachment_id": [ids["att"]],
        "visit_id": [ids["visit"]],
        "evidence_id": [ids["evidence"]],
        "round_id": [ids["round"]],
        "notification_id": [ids["mail"]],
        "case_id": cases,
        "org_id": orgs,
    }
    urls = [path]
    for param in re.findall(r"\{(\w+)(?::\w+)?\}", path):
        if param not in values:
            return []
        urls = [re.sub(r"\{" + param + r"(?::\w+)?\}", str(v), u) for u in urls for v in values[param]]
    return urls


def _crawl(site) -> dict[str, list[str]]:
    """Every GET page (not the API, files or redirects) for an anonymous visitor, an organizer, a
    reviewer and an applicant, in English: {route: [defects]}."""
    db, ids = site
    app = create_app(str(db))
    routes = sorted(
        {
            p
            for p, methods in _routes(app.routes)
            if "GET" in methods and not p.startswith(("/api", "/static", "/vendor", "/favicon", "/lang", "/docs"))
        }
    )
    found: dict[str, list[str]] = {}
    pages = 0
    for who in ("anonymous", "org1", "rev1", "appa", "admin1"):
        client = TestClient(app)
        client.cookies.set("lang", "en")
        if who != "anonymous":
            assert client.post("/api/v1/login", json={"username": who, "password": PASSWORD}).status_code == 200
        for route in routes:
            for url in _fill(route, ids, db):
                r = client.get(url, follow_redirects=False)
                assert r.status_code < 500, f"{who} {url}: {r.status_code}"
                if "text/html" not in r.headers.get("content-type", "") or r.status_code >= 300:
                    continue
                pages += 1
                assert '<html lang="en">' in r.text, url
                defects = _defects(r.text)
                if defects:
                    found.setdefault(route, []).extend(f"{who} {url}: {d}" for d in defects)
    assert pages >= 60, pages
    return found


@pytest.fixture(scope="module")
def crawled(site):
    i18n.MISSING.clear()
    return _crawl(site), set(i18n.MISSING)


def test_english_pages_write_figures_and_marks_in_english(crawled):
    """Every page (library, search, home, programme pages, accounts, errors) for every role: no
    万/亿 figure, no full-width mark outside quoted source text."""
    found, missing = crawled
    assert not missing, f"labels pages asked for that STRINGS lacks: {sorted(missing)}"
    assert not found, "\n".join(f"{r}: {d[:5]}" for r, d in found.items())
    assert not [d for ds in found.values() for d in ds if CHINESE_NUMBER.search(d)], "a figure in 万/亿"


def test_programme_pages_keep_chinese_marks_in_chinese_and_mark_source_text_in_english(site):
    """The joiners write each language's marks: the Chinese page keeps "评审专家：甲、乙" and
    "（组长）"; the English one writes ": ", ", " and " (lead)" and marks the Chinese it quotes."""
    db, ids = site
    app = create_app(str(db))
    pages = {}
    for lang in ("zh", "en"):
        client = TestClient(app)
        client.cookies.set("lang", lang)
        assert client.post("/api/v1/login", json={"username": "org1", "password": PASSWORD}).status_code == 200
        pages[lang] = {
            "sub": client.get(f"/submissions/{ids['a']}").text,
            "visit": client.get(f"/visits/{ids['visit']}").text,
            "call": client.get(f"/calls/{ids['call']}").text,
        }
    zh, en = pages["zh"], pages["en"]
    assert "评审专家：" in zh["sub"] and "（组长）" in zh["sub"] and "调研组：" in zh["sub"]
    assert "Reviewers: " in en["sub"] and " (lead)" in en["sub"] and "Team: " in en["sub"]
    assert not CJK_PUNCTUATION.search(_visible(en["sub"]))
    doc = lhtml.fromstring(en["sub"])
    assert doc.xpath('//h1[@id="sub-title"][@lang="zh"]')
    assert lhtml.fromstring(en["visit"]).xpath('//pre[@class="notice-text"][@lang="zh"]')  # the notice as sent
    assert lhtml.fromstring(en["call"]).xpath('//h1[@lang="zh"]')
    assert "阶段：" in zh["call"] and "Phase: " in en["call"]
    # the revision heading and its state no longer say the same words twice
    assert "revision requested revision requested" not in _visible(en["sub"]).lower()


def test_the_case_page_marks_source_text_and_reads_in_english(site):
    db, _ = site
    app = create_app(str(db))
    client = TestClient(app)
    engine = open_engine(db)
    with engine.connect() as conn:
        from sqlalchemy import text

        case_id = conn.execute(text("SELECT case_id FROM cases WHERE title LIKE '%公交%'")).scalar_one()
    engine.dispose()
    en = client.get(f"/cases/{case_id}?lang=en").text
    assert "120,000 tCO2e" in en and "1,800,000,000 CNY" in en.replace("¥", "")
    doc = lhtml.fromstring(en)
    assert doc.xpath('//h1[@lang="zh"]') and doc.xpath('//section[contains(@class, "text")][@lang="zh"]')
    assert doc.xpath('//span[@class="q"][@lang="zh"]')  # each evidence quote
    zh = client.get(f"/cases/{case_id}?lang=zh").text
    assert "12万吨二氧化碳当量" in zh and "实施单位：" in zh  # Chinese first, with its own marks


# --- mail in the recipient's language


def _as(engine, name: str) -> Context:
    with engine.connect() as conn:
        u = accounts_store.get_user(conn, name)
    return Context(engine, Actor("user", u.username, u.role, u.id))


def _mails(inbox, to: str, n: int = 1, wait: float = 10.0) -> list:
    deadline = time.monotonic() + wait
    while True:
        got = [m for m in inbox.messages if m["To"] == to]
        if len(got) >= n or time.monotonic() > deadline:
            return got
        time.sleep(0.05)


def _subject(m) -> str:
    return str(make_header(decode_header(m["Subject"])))


def _body(m) -> str:
    return m.get_payload(decode=True).decode(m.get_content_charset())


@pytest.fixture
def call_with_applicants(db_path, smtp):
    engine = open_engine(db_path)
    root = Context(engine, system_actor())
    accounts.add_user(root, "org1", PASSWORD, "organizer", email="org1@example.org")
    org = _as(engine, "org1")
    call = calls.create(
        org,
        "cteam",
        "2099 气候行动案例征集",
        2099,
        domains=["绿色制造"],
        deadlines={"submission_deadline": "2099-03-31T15:59:00+00:00"},
    )
    calls.publish(org, call["id"])
    anon = Context(engine)
    accounts.register(anon, "appen", PASSWORD, "Acme Energy Ltd", "appen@example.org", lang="en")
    accounts.register(anon, "appzh", PASSWORD, "甲能源科技有限公司", "appzh@example.org")
    yield engine, call, org
    engine.dispose()


def _submit(engine, call: dict, user: str) -> None:
    ctx = _as(engine, user)
    sections = [{"heading": h, "text": f"{h}：每年减排 1,600万吨二氧化碳。"} for h in call["template"]]
    outcomes = [
        {"kind": "co2e_reduction", "value": 16_000_000, "unit": "tCO2e", "period": "annual", "confirmed": True},
        {"kind": "investment_or_finance", "value": 3.5e8, "unit": "CNY", "period": "unspecified", "confirmed": True},
    ]
    s = submissions.create(ctx, call["id"], f"{user} 的案例", "绿色制造", sections, outcomes)
    submissions.submit(ctx, s["id"])


def test_a_recipient_who_prefers_english_gets_english_figures_and_dates(call_with_applicants, smtp):
    engine, call, _ = call_with_applicants
    _submit(engine, call, "appen")
    _submit(engine, call, "appzh")
    (en,) = _mails(smtp, "appen@example.org")
    (zh,) = _mails(smtp, "appzh@example.org")
    subject, body = _subject(en), _body(en)
    assert subject.startswith("[CaseAtlas] Submission received")
    assert "16,000,000 tCO2e (annual)" in body and "350,000,000" in body
    assert "31 Mar 2099, 23:59 (Beijing time)" in body, body
    assert not CJK_PUNCTUATION.search(body.replace("appen 的案例", "")) and not CHINESE_NUMBER.search(body), body
    # Chinese by default: an account that stated nothing, on a call that writes in Chinese
    assert _subject(zh).startswith("[案例征集] 已收到您的申报")
    assert "1,600万吨二氧化碳当量（每年）" in _body(zh) and "2099年3月31日 23:59（北京时间）" in _body(zh)


def test_the_account_page_sets_the_language_and_an_organizers_english_wording_is_used(
    call_with_applicants, smtp, db_path
):
    engine, call, org = call_with_applicants
    communications.save_template(
        org,
        call["id"],
        "submission_received",
        "en",
        "Thank you: {{ title }}",
        "Dear {{ name }}, we have your case.\n{{ declared }}\n",
    )
    client = TestClient(create_app(str(db_path)))
    csrf = client.post("/api/v1/login", json={"username": "appzh", "password": PASSWORD}).json()["csrf_token"]
    page = client.get("/account/language?lang=en")
    assert page.status_code == 200 and 'value="" checked' in page.text
    r = client.post("/account/language", data={"lang": "en", "csrf_token": csrf})
    assert r.status_code == 200 and 'value="en" checked' in r.text
    with engine.connect() as conn:
        assert accounts_store.get_user(conn, "appzh").lang == "en"
    _submit(engine, call, "appzh")
    (m,) = _mails(smtp, "appzh@example.org")
    assert _subject(m) == "Thank you: appzh 的案例"
    assert "The outcomes you declared:" in _body(m) and "16,000,000 tCO2e" in _body(m)
    # and back to Chinese
    assert client.post("/account/language", data={"lang": "zh", "csrf_token": csrf}).status_code == 200
    assert client.post("/account/language", data={"lang": "fr", "csrf_token": csrf}).status_code == 400
    with engine.connect() as conn:
        assert accounts_store.get_user(conn, "appzh").lang == "zh"


def test_an_invited_account_is_written_to_in_the_language_it_was_given(db_path, smtp):
    engine = open_engine(db_path)
    root = Context(engine, system_actor())
    accounts.add_user(root, "newen", None, "reviewer", email="newen@example.org", lang="en")
    accounts.add_user(root, "newzh", None, "reviewer", email="newzh@example.org")
    (en,) = _mails(smtp, "newen@example.org")
    (zh,) = _mails(smtp, "newzh@example.org")
    assert not CJK.search(_subject(en)) and CJK.search(_subject(zh))
    with pytest.raises(Exception, match="language"):
        accounts.add_user(root, "newfr", None, "reviewer", email="newfr@example.org", lang="fr")
    engine.dispose()


def test_an_applicant_is_written_to_in_the_language_it_registered_in(db_path):
    """Registering on the English page (or with `lang` through the API) records English as the
    account's mail language; the Chinese page leaves it unstated (Chinese by default)."""
    client = TestClient(create_app(str(db_path)))
    strong = "a-long-enough-Passphrase-42"
    for lang, name in (("en", "reg_en"), ("zh", "reg_zh")):
        client.get(f"/lang/{lang}")
        page = client.get("/register")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        r = client.post(
            "/register",
            data={
                "csrf_token": token,
                "username": name,
                "password": strong,
                "organization": "某公司",
                "email": f"{name}@example.org",
            },
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text[:500]
        client.post("/logout", data={"csrf_token": client.cookies.get("caseatlas_csrf")})
    client = TestClient(create_app(str(db_path)))  # a fresh anonymous visitor
    client.get("/login")
    r = client.post(
        "/api/v1/register",
        json={
            "username": "reg_api",
            "password": strong,
            "organization": "某公司",
            "email": "a@example.org",
            "lang": "en",
        },
        headers={"X-CSRF-Token": client.cookies.get("caseatlas_csrf")},
    )
    assert r.status_code == 200, r.text
    engine = open_engine(str(db_path))
    with engine.connect() as conn:
        langs = {n: accounts_store.get_user(conn, n).lang for n in ("reg_en", "reg_zh", "reg_api")}
    assert langs["reg_en"] == "en" and langs["reg_api"] == "en"
    assert langs["reg_zh"] in (None, "zh")


def test_an_unsent_mail_says_why_in_the_page_language(db_path):
    """No mail server set up: the outbox says so as a person would, in the page's language (it
    read "no SMTP server configured (CASEATLAS_SMTP_HOST)" on Chinese pages)."""
    ids = build(db_path, "review")
    client = TestClient(create_app(str(db_path)))
    assert client.post("/api/v1/login", json={"username": "org1", "password": PASSWORD}).status_code == 200
    for lang, said, not_said in (
        ("zh", "尚未配置发信服务器", "no mail server"),
        ("en", "no mail server is set up", "尚未"),
    ):
        client.get(f"/lang/{lang}")
        page = client.get(f"/outbox/{ids['mail']}").text
        status = re.search(r'<dd id="status".*?</dd>', page, re.S).group(0)
        assert said in status and not_said not in status, status
