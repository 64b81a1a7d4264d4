"""Mail templates: the wording of every message the system sends, in Chinese and English, with
placeholders and links. Defaults ship with the package (`data/mail/<kind>.<lang>.txt`: a
`Subject:` line, a blank line, the body); an organizer may override a call's (the
`mail_templates` table, `store/mail.py`).

Organizers write these, so they are rendered in Jinja2's `SandboxedEnvironment` with
`StrictUndefined`, and contained further: no function or method calls (`'a'.center(10**9)`), no
macros, includes or imports, loops only over the kind's list placeholders and at most two deep,
`*` and `**` refused when their result would be large, a short list of filters, and the output
cut at `MAX_OUTPUT` characters. A template is checked when saved: a placeholder the kind does
not document is refused by name, and it must render with the kind's sample context.

Times come into a context as `At(iso)` and are written in the call's zone and the mail's language
(`text.times.local_time`) when the mail is composed; links are absolute, on `CASEATLAS_BASE_URL`."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from jinja2 import StrictUndefined, TemplateSyntaxError, meta, nodes
from jinja2.exceptions import SecurityError, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from ..errors import CaseAtlasError
from ..text.times import local_time
from ..vocab import MAIL_LANGS, NOTIFICATION_KINDS

BASE_URL = "http://localhost:8000"  # where links point without CASEATLAS_BASE_URL (`caseatlas serve`)
MAX_OUTPUT = 100_000  # characters of a rendered subject or body
MAX_TEMPLATE = 20_000  # characters of a template as saved
MAX_PRODUCT = 10_000  # the largest string or number `*` / `**` may make
MAX_LOOP_DEPTH = 2
FILTERS = (
    "upper",
    "lower",
    "title",
    "capitalize",
    "trim",
    "join",
    "length",
    "count",
    "default",
    "d",
    "first",
    "last",
    "truncate",
    "wordcount",
    "replace",
    "int",
    "string",
    "striptags",
    "list",
    "sort",
    "round",
    "abs",
)
log = logging.getLogger("caseatlas.mail")


class At(str):
    """An instant (ISO-8601 UTC) in a mail's context: written in the call's zone when composed."""


class Words(str):
    """Text a service writes for a mail in both languages (figures by the one number writer,
    lists by the one joiner), chosen when the mail is composed in its recipient's language: a
    service never decides a mail's language by preformatting it. As a plain string it is the
    Chinese (what every mail was before it had an English version)."""

    en: str

    def __new__(cls, zh: str, en: str):
        obj = super().__new__(cls, zh)
        obj.en = en
        return obj

    def written(self, lang: str) -> str:
        return self.en if lang == "en" else str.__str__(self)


def base_url() -> str:
    """Where the links in mails point: CASEATLAS_BASE_URL (the site as its users reach it)."""
    return (os.environ.get("CASEATLAS_BASE_URL") or BASE_URL).rstrip("/")


def link(path: str) -> str:
    return base_url() + "/" + path.lstrip("/")


_warned: list[bool] = []


def warn_without_base_url() -> None:
    """Once per process: mails are going out with links on the default address."""
    if not os.environ.get("CASEATLAS_BASE_URL") and not _warned:
        _warned.append(True)
        log.warning("CASEATLAS_BASE_URL is not set: links in mails point at %s", BASE_URL)


# --- what each kind says: its placeholders (what an organizer may write) and a sample context


COMMON = {
    "name": "收件人的称呼 / the recipient's name",
    "call_title": "征集名称 / the call's title ('' for site mails)",
    "call_link": "征集页面链接 / link to the call",
    "site": "站点地址 / the site's address",
}
_ITEM = "列表：每项有 title（标题）、link（链接） / list of {title, link}"
PLACEHOLDERS: dict[str, dict[str, str]] = {
    "invitation": {
        "link": "接受或谢绝邀请的链接（一次性） / accept-or-decline link (works once)",
        "expires": "链接失效时间 / when the link expires",
        "review_deadline": "评审截止时间 / the review deadline",
        "organizer": "邀请人 / who invites",
    },
    "account_invitation": {
        "username": "账号 / the account's user name",
        "link": "设置密码的链接（一次性） / link to choose a password (works once)",
        "days": "链接有效天数 / days the link is valid",
    },
    "password_reset": {
        "username": "账号 / the account's user name",
        "link": "重设密码的链接（一次性） / reset link (works once)",
        "hours": "链接有效小时数 / hours the link is valid",
    },
    "call_published": {"deadline": "申报截止时间 / the submission deadline"},
    "submission_received": {
        "title": "案例标题 / the case's title",
        "version": "提交版本号 / version submitted",
        "deadline": "申报截止时间 / the submission deadline",
        "link": "申报页面链接 / link to the submission",
        "declared": "申报的成效数据（文字） / the declared outcomes, as text",
    },
    "review_assigned": {
        "count": "新分配的案例数 / new assignments",
        "submissions": _ITEM,
        "deadline": "评审截止时间 / the review deadline",
        "link": "评审任务页面链接 / link to the reviewer's list",
    },
    "reminder_draft": {
        "drafts": _ITEM,
        "deadline": "申报截止时间 / the submission deadline",
        "days_left": "距截止的天数 / days before the deadline",
    },
    "reminder_review": {
        "reviews": _ITEM,
        "deadline": "评审截止时间 / the review deadline",
        "days_left": "距截止的天数（已逾期为 0） / days left (0 when overdue)",
        "overdue": "是否已逾期（真/假） / whether the deadline has passed",
        "days_overdue": "已逾期天数 / days overdue",
    },
    "revision_request": {
        "title": "案例标题 / the case's title",
        "link": "修改页面链接 / link to revise",
        "deadline": "修改截止时间 / the revision deadline",
        "requests": "专家组的修改要求 / the panel's requests",
    },
    "finals_open": {
        "title": "案例标题 / the case's title",
        "link": "提交定稿的链接 / link to submit the final text",
        "deadline": "定稿截止时间 / the finals deadline",
    },
    "final_submitted": {
        "title": "案例标题 / the case's title",
        "link": "定稿页面链接 / link to the final text",
        "version": "定稿版本号 / the version",
    },
    "final_edited": {
        "title": "案例标题 / the case's title",
        "link": "定稿页面链接 / link to the final text",
        "version": "定稿版本号 / the version",
    },
    "final_approved": {
        "title": "案例标题 / the case's title",
        "link": "定稿与校样页面链接 / link to the final text and proof",
        "version": "定稿版本号 / the version",
    },
    "proof_answer": {
        "title": "案例标题 / the case's title",
        "link": "定稿与校样页面链接 / link to the final text and proof",
        "version": "校样所印的版本号 / the version the proof prints",
        "signed": "是否已签字确认（真/假） / signed off (true) or changes asked (false)",
        "note": "申报单位的修改意见 / what the applicant asks to change",
    },
    "revision_answered": {
        "title": "案例标题 / the case's title",
        "link": "修改对照与回复的链接 / link to the diff and the response",
        "version": "修改稿的版本号 / the answered version",
        "answered": "提交时间 / when it was answered",
    },
    "submission_withdrawn": {
        "title": "案例标题 / the case's title",
        "link": "案例页面链接 / link to the submission",
        "reason": "撤回理由（可为空） / the reason given ('' if none)",
    },
    "visit_notice": {
        "title": "案例标题 / the case's title",
        "link": "案例页面链接 / link to the submission",
        "date": "调研核实时间 / when the visit is",
        "place": "地点 / where",
        "team": "核查组成员 / the visit team",
        "notes": "需准备的材料等说明 / what to prepare",
        "changed": "安排是否有变更（真/假） / whether the arrangements changed",
        "cancelled": "是否已取消（真/假） / whether the visit is cancelled",
    },
    "formal_check": {
        "title": "案例标题 / the case's title",
        "link": "案例页面链接 / link to the submission",
        "passed": "是否通过形式审查（真/假） / whether it passed",
        "returned": "退回补正（真）或不通过（假） / returned to be fixed (true) or failed (false)",
        "reasons": "未通过的原因（列表） / the reasons (list of text)",
        "deadline": "补正截止时间（可为空） / deadline to fix it ('—' if none)",
    },
    "decision": {
        "title": "案例标题 / the case's title",
        "link": "案例页面链接 / link to the submission",
        "decision": "评审结果（入选/未入选） / the decision's name",
        "accepted": "是否入选（真/假） / whether it was accepted",
        "opinion": "专家组意见 / the panel's opinion",
        "expert_comment": "专家点评（入选案例） / the 专家点评 printed with the case",
    },
    "conflict_found": {
        "count": "撤下的分配数 / assignments removed",
        "removed": "列表：每项有 reviewer、title、reason / list of {reviewer, title, reason}",
        "k": "每个案例需要的评审专家数 / reviewers each case needs",
        "link": "评审分配页面链接 / link to the assignments",
    },
}
# Placeholders that are lists: the only things a template may loop over.
LISTS = {"submissions", "drafts", "reviews", "removed", "reasons"}

_S = "https://cases.example.org"
_SAMPLE_ITEMS = [
    {"title": "某市公交电动化", "link": f"{_S}/submissions/1"},
    {"title": "园区屋顶光伏", "link": f"{_S}/submissions/2"},
]
SAMPLES: dict[str, dict] = {
    "invitation": {
        "link": f"{_S}/panel-invitations/abc",
        "expires": At("2027-03-07T15:59:00+00:00"),
        "review_deadline": At("2027-04-30T15:59:00+00:00"),
        "organizer": "王组织",
    },
    "account_invitation": {"username": "zhangsan", "link": f"{_S}/invite/abc", "days": 7},
    "password_reset": {"username": "zhangsan", "link": f"{_S}/reset/abc", "hours": 2},
    "call_published": {"deadline": At("2027-03-31T15:59:00+00:00")},
    "submission_received": {
        "title": "某市公交电动化",
        "version": 1,
        "deadline": At("2027-03-31T15:59:00+00:00"),
        "link": f"{_S}/submissions/1",
        "declared": Words(
            "您申报的量化成果：\n1. 减排量 1.2万吨二氧化碳当量（每年）",
            "The outcomes you declared:\n1. CO2e reduction 12,000 tCO2e (annual)",
        ),
    },
    "review_assigned": {
        "count": 2,
        "submissions": _SAMPLE_ITEMS,
        "deadline": At("2027-04-30T15:59:00+00:00"),
        "link": f"{_S}/calls/1",
    },
    "reminder_draft": {"drafts": _SAMPLE_ITEMS[:1], "deadline": At("2027-03-31T15:59:00+00:00"), "days_left": 3},
    "reminder_review": {
        "reviews": _SAMPLE_ITEMS,
        "deadline": At("2027-04-30T15:59:00+00:00"),
        "days_left": 0,
        "overdue": True,
        "days_overdue": 2,
    },
    "revision_request": {
        "title": "某市公交电动化",
        "link": f"{_S}/submissions/1",
        "deadline": At("2027-05-15T15:59:00+00:00"),
        "requests": "请补充减排量的计算依据。",
    },
    "finals_open": {
        "title": "某市公交电动化",
        "link": f"{_S}/submissions/1/final",
        "deadline": At("2027-06-30T15:59:00+00:00"),
    },
    "final_submitted": {"title": "某市公交电动化", "link": f"{_S}/submissions/1/final", "version": 1},
    "final_edited": {"title": "某市公交电动化", "link": f"{_S}/submissions/1/final", "version": 2},
    "final_approved": {"title": "某市公交电动化", "link": f"{_S}/submissions/1/final", "version": 2},
    "proof_answer": {
        "title": "某市公交电动化",
        "link": f"{_S}/submissions/1/final",
        "version": 2,
        "signed": False,
        "note": "图1的图注请改为“车队”。",
    },
    "revision_answered": {
        "title": "某市公交电动化",
        "link": f"{_S}/submissions/1",
        "version": 2,
        "answered": At("2027-05-14T08:30:00+00:00"),
    },
    "submission_withdrawn": {
        "title": "某市公交电动化",
        "link": f"{_S}/submissions/1",
        "reason": "项目数据待第三方核证",
    },
    "visit_notice": {
        "title": "某市公交电动化",
        "link": f"{_S}/submissions/1",
        "date": At("2027-05-20T01:00:00+00:00"),
        "place": "某市公交集团",
        "team": Words("张三（组长）、李四", "张三 (lead), 李四"),
        "notes": Words("运行记录；电费单据。", "operating records; electricity bills."),
        "changed": False,
        "cancelled": False,
    },
    "formal_check": {
        "title": "某市公交电动化",
        "link": f"{_S}/submissions/1",
        "passed": False,
        "returned": True,
        "reasons": ["缺少“项目背景”一节", "未上传证明材料"],
        "deadline": At("2027-04-05T15:59:00+00:00"),
    },
    "decision": {
        "title": "某市公交电动化",
        "link": f"{_S}/submissions/1",
        "decision": "入选",
        "accepted": True,
        "opinion": "案例数据翔实，可复制性强。",
        "expert_comment": "该案例以公交电动化带动城市交通减排，路径清晰。",
    },
    "conflict_found": {
        "count": 1,
        "removed": [{"reviewer": "rev3", "title": "某市公交电动化", "reason": "同一集团"}],
        "k": 3,
        "link": f"{_S}/calls/1/assign",
    },
}
SAMPLE_COMMON = {"name": "张三", "call_title": "2027 年气候行动案例征集", "call_link": f"{_S}/calls/1", "site": _S}


def placeholders(kind: str) -> dict[str, str]:
    """Every placeholder a template of this kind may use, with what it is."""
    return {**COMMON, **PLACEHOLDERS[kind]}


# --- the sandbox


class _Sandbox(SandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def call_binop(self, context, operator, left, right):
        if operator == "%":
            if isinstance(left, str):  # "%1000000000s" % name
                raise SecurityError("formatting with '%' is not allowed in a mail template")
            return left % right
        if operator == "+":
            if isinstance(left, str | list | tuple) and isinstance(right, str | list | tuple):
                if len(left) + len(right) > MAX_OUTPUT:
                    raise SecurityError(f"'+' making more than {MAX_OUTPUT} characters is not allowed")
            return left + right
        if operator == "**":
            if isinstance(left, int | float) and isinstance(right, int | float) and abs(right) > 64:
                raise SecurityError("'**' with an exponent over 64 is not allowed")
            value = left**right
        else:
            for a, b in ((left, right), (right, left)):
                if isinstance(a, str | list | tuple) and isinstance(b, int) and len(a) * b > MAX_PRODUCT:
                    raise SecurityError(f"'*' making more than {MAX_PRODUCT} characters is not allowed")
            value = left * right
        if isinstance(value, int) and abs(value) > 10**18:
            raise SecurityError("numbers that large are not allowed")
        return value

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (jinja's own signature)
        raise SecurityError("calling functions or methods is not allowed in a mail template")


@lru_cache(maxsize=1)
def _env() -> _Sandbox:
    env = _Sandbox(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)
    env.globals.clear()  # no range, lipsum, cycler, joiner, namespace, dict
    env.filters = {k: env.filters[k] for k in FILTERS}
    env.filters["replace"] = _replace
    return env


def _replace(value, old, new, count=None):
    """Jinja's `replace`, bounded: `opinion|replace("", opinion)` would square a long text."""
    text, old, new = str(value), str(old), str(new)
    n = text.count(old) if count is None else min(int(count), text.count(old))
    if len(text) + n * (len(new) - len(old)) > MAX_OUTPUT:
        raise SecurityError(f"'replace' making more than {MAX_OUTPUT} characters is not allowed")
    return text.replace(old, new) if count is None else text.replace(old, new, int(count))


class TemplateRefused(CaseAtlasError):
    """A mail template that is not valid for its kind (400), with the reason in one line."""


# No macros (recursion), includes or imports (files), and no variables (`set`, `with`): a value
# built up step by step is how a short template would make a huge mail.
_REFUSED_NODES = (
    nodes.Macro,
    nodes.CallBlock,
    nodes.Include,
    nodes.Import,
    nodes.FromImport,
    nodes.Extends,
    nodes.Assign,
    nodes.AssignBlock,
    nodes.With,
)
MAX_OPERATIONS = 30  # `~`, `+`, `*` … in a template: each at most adds one value's length to one output


def _check_loops(node: nodes.Node, depth: int, kind: str) -> None:
    for child in node.iter_child_nodes():
        if isinstance(child, _REFUSED_NODES):
            raise TemplateRefused(f"{type(child).__name__.lower()} is not allowed in a mail template")
        if isinstance(child, nodes.For):
            if child.recursive:
                raise TemplateRefused("recursive loops are not allowed in a mail template")
            if not (isinstance(child.iter, nodes.Name) and child.iter.name in LISTS & set(placeholders(kind))):
                lists = ", ".join(sorted(LISTS & set(placeholders(kind)))) or "none for this kind"
                raise TemplateRefused(f"a loop may only go over a list placeholder ({lists})")
            if depth + 1 > MAX_LOOP_DEPTH:
                raise TemplateRefused(f"loops nested more than {MAX_LOOP_DEPTH} deep are not allowed")
            _check_loops(child, depth + 1, kind)
        else:
            _check_loops(child, depth, kind)


def _check_operations(ast: nodes.Node, what: str) -> None:
    n = sum(len(c.nodes) - 1 for c in ast.find_all(nodes.Concat)) + sum(1 for _ in ast.find_all(nodes.BinExpr))
    if n > MAX_OPERATIONS:
        raise TemplateRefused(f"{what}: more than {MAX_OPERATIONS} operations (~, +, * …)")


def _parse(source: str, kind: str, what: str):
    env = _env()
    if len(source) > MAX_TEMPLATE:
        raise TemplateRefused(f"{what}: longer than {MAX_TEMPLATE} characters")
    try:
        ast = env.parse(source)
    except TemplateSyntaxError as exc:
        raise TemplateRefused(f"{what}: line {exc.lineno}: {exc.message}") from None
    except RecursionError:  # "((((…" thousands deep
        raise TemplateRefused(f"{what}: nested too deeply") from None
    known = placeholders(kind)
    try:
        used = meta.find_undeclared_variables(ast)
    except RecursionError:
        raise TemplateRefused(f"{what}: nested too deeply") from None
    except TemplateError as exc:  # an unknown filter or test
        raise TemplateRefused(f"{what}: {str(exc).splitlines()[0][:200]}") from None
    unknown = sorted(used - set(known))
    if unknown:
        raise TemplateRefused(
            f"{what}: unknown placeholder {{{{ {unknown[0]} }}}} for {kind} (known: {', '.join(known)})"
        )
    _check_loops(ast, 0, kind)
    _check_operations(ast, what)
    try:
        return env.from_string(ast)
    except RecursionError:
        raise TemplateRefused(f"{what}: nested too deeply") from None
    except TemplateError as exc:  # an unknown filter or test
        raise TemplateRefused(f"{what}: {str(exc).splitlines()[0][:200]}") from None


def _render(template, context: dict, what: str) -> str:
    out, size = [], 0
    try:
        for piece in template.generate(context):
            size += len(piece)
            if size > MAX_OUTPUT:
                raise TemplateRefused(f"{what}: the mail would be longer than {MAX_OUTPUT} characters")
            out.append(piece)
    except TemplateRefused:
        raise
    except (TemplateError, ArithmeticError, TypeError, ValueError, RecursionError, MemoryError) as exc:
        message = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise TemplateRefused(f"{what}: {message}") from None
    return "".join(out)


def _localize(value, tz: str | None, lang: str):
    if isinstance(value, At):
        return local_time(str(value), tz, lang)
    if isinstance(value, Words):
        return value.written(lang)
    if isinstance(value, dict):
        return {k: _localize(v, tz, lang) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_localize(v, tz, lang) for v in value]
    return value


@dataclass(frozen=True, slots=True)
class Template:
    kind: str
    lang: str
    subject: str
    body: str


def _split(text: str, name: str) -> tuple[str, str]:
    head, _, body = text.partition("\n\n")
    if not head.startswith("Subject:"):
        raise ValueError(f"{name}: the first line must be 'Subject: …'")
    return head.removeprefix("Subject:").strip(), body


@cache
def default(kind: str, lang: str) -> Template:
    """The template shipped with the package."""
    if kind not in NOTIFICATION_KINDS or lang not in MAIL_LANGS:
        raise CaseAtlasError(f"no mail template {kind}/{lang}")
    name = f"{kind}.{lang}.txt"
    text = resources.files("caseatlas").joinpath("data", "mail", name).read_text(encoding="utf-8")
    subject, body = _split(text, name)
    return Template(kind, lang, subject, body)


def check_kind(kind: str, lang: str) -> None:
    if kind not in NOTIFICATION_KINDS:
        raise CaseAtlasError(f"unknown mail kind '{kind}' (one of {', '.join(NOTIFICATION_KINDS)})")
    if lang not in MAIL_LANGS:
        raise CaseAtlasError(f"unknown mail language '{lang}' (zh or en)")


def validate(kind: str, lang: str, subject: str, body: str) -> tuple[str, str]:
    """A template as an organizer wrote it, checked: parsed in the sandbox, every placeholder one
    the kind documents, rendered with the kind's sample context. Returns (subject, body) as stored."""
    check_kind(kind, lang)
    subject = (subject or "").strip()
    if not subject:
        raise TemplateRefused("subject: required")
    if "\n" in subject or "\r" in subject:
        raise TemplateRefused("subject: one line")
    if not (body or "").strip():
        raise TemplateRefused("body: required")
    body = body.replace("\r\n", "\n")
    render(Template(kind, lang, subject, body), sample(kind), "Asia/Shanghai")
    return subject, body


def sample(kind: str) -> dict:
    return {**SAMPLE_COMMON, **SAMPLES[kind]}


def render(template: Template, context: dict, tz: str | None) -> tuple[str, str]:
    """(subject, body) of a template with a context (instants written in `tz`, the template's language)."""
    ctx = _localize(context, tz, template.lang)
    subject = _render(_parse(template.subject, template.kind, "subject"), ctx, "subject")
    body = _render(_parse(template.body, template.kind, "body"), ctx, "body")
    subject = " ".join(subject.split())[:300]  # a header: one line, whatever a placeholder held
    return subject, body.strip() + "\n"
