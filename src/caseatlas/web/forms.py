"""One way every programme form answers a rejected POST: the same page again, with status 400
(409 when the call's state refuses it), an error summary at the top linking to each field, the
message beside the field it is about, and every value the person typed kept.

A route opts in with `@rejects_to(page, where)`: `page(request, ctx, state, status, **path)`
renders the form's page (the same view its GET route renders) and `where(field, values)` turns
the service's field name ("title", "section:案例概述", "outcome:2:unit", "score:impact") into the
control's id and a label for the summary. Only what a person can fix in the form is answered
this way: a missing page (404), a missing right (401/403) and throttling (429) keep their pages."""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable
from typing import Any

from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

from ..errors import CaseAtlasError, Conflict, NotFound, PermissionDenied, Throttled

# (control id, label for the summary) of a service field, or None when the form has no such control
Where = Callable[[str, dict], "tuple[str, str] | None"]


class FormState:
    """What a form's template asks when it is drawn: the values to show (the posted ones after a
    rejection, else the stored default it passes), and the error of each control.

    The templates call `fs.val('title', sub.title)`, `fs.checked('blind', call.blind)`,
    `fs.sel('domain', d, d == sub.domain)`, `fs.invalid('f-title')` (aria attributes) and
    `fs.error('f-title')` (the message, or nothing)."""

    def __init__(
        self,
        values: dict[str, str] | None = None,
        errors: dict[str, str] | None = None,
        summary: list[tuple[str | None, str]] | None = None,
        form: str | None = None,
    ):
        self.values = values  # None: the page is not answering a rejected post
        self.errors = errors or {}  # control id → message beside it
        self.summary_items = summary or []
        self.form = form  # the id of the form that was rejected (a page may hold several)

    @property
    def posted(self) -> bool:
        return self.values is not None

    def val(self, name: str, default: Any = "") -> Any:
        if self.values is None:
            return "" if default is None else default
        return self.values.get(name, "")

    def checked(self, name: str, default: bool = False) -> bool:
        return (name in self.values) if self.values is not None else bool(default)

    def sel(self, name: str, value: Any, default: bool = False) -> bool:
        if self.values is None or name not in self.values:
            return bool(default)
        return self.values[name] == str(value)

    def error(self, control_id: str) -> Markup:
        msg = self.errors.get(control_id)
        if not msg:
            return Markup("")
        return Markup('<p class="field-error" id="{}-error">{}</p>').format(control_id, msg)

    def invalid(self, control_id: str, hint: str | None = None) -> Markup:
        """The control's aria attributes: described by its hint (`hint`: the hint's id) and, when
        it is in error, invalid and described by its error too."""
        if control_id not in self.errors:
            return Markup(' aria-describedby="{}"').format(hint) if hint else Markup("")
        described = f"{hint} {control_id}-error" if hint else f"{control_id}-error"
        return Markup(' aria-invalid="true" aria-describedby="{}"').format(described)

    def summary(self, lang: str = "zh", form: str | None = None) -> Markup:
        """The `.error-summary` box (role=alert) of the rejected form; `form`: draw it only above
        that form (a page with several forms shows the box above the one that was posted)."""
        if not self.summary_items or (form is not None and self.form is not None and form != self.form):
            return Markup("")
        title = (
            "There is a problem: fix it and send the form again" if lang == "en" else "提交未成功，请修改以下内容后重试"
        )
        items = Markup("").join(
            Markup('<li><a href="#{}">{}</a></li>').format(cid, msg) if cid else Markup("<li>{}</li>").format(msg)
            for cid, msg in self.summary_items
        )
        return Markup(
            '<div class="error-summary" role="alert" id="error-summary" tabindex="-1"><h2>{}</h2><ul>{}</ul></div>'
        ).format(title, items)


EMPTY = FormState()
_CJK = re.compile(r"[\u3400-\u9fff]")


def in_language(message: str, lang: str) -> str:
    """A service message written "中文 / English" (both halves, one line), in the page's language;
    any other message as it is."""
    zh, sep, en = message.partition(" / ")
    if not sep or not _CJK.search(zh) or not en[:1].isascii() or not en[:1].isalnum():
        return message  # not the two-language form (the English half starts with a Latin word)
    return en if lang == "en" else zh


def page_lang(request) -> str:
    """The page's language as `web.pages.render` reads it: ?lang=, else the cookie, else Chinese."""
    lang = request.query_params.get("lang") or request.cookies.get("lang") or "zh"
    return "en" if lang == "en" else "zh"


def state_for(
    exc: CaseAtlasError, values: dict, where: Where | None, form: str | None = None, lang: str = "zh"
) -> FormState:
    """The form's state after the service refused it with `exc`."""
    message = in_language(str(exc), lang)
    errors: dict[str, str] = {}
    summary: list[tuple[str | None, str]] = []

    def locate(field: str | None) -> tuple[str, str] | None:
        return where(field, values) if (where and field) else None

    single = locate(getattr(exc, "field", None))
    if single:
        errors[single[0]] = message
    summary.append((single[0] if single else None, message))
    for field, short in (getattr(exc, "fields", None) or {}).items():
        short = in_language(short, lang)
        spot = locate(field)
        if spot and spot[0] not in errors:
            errors[spot[0]] = short
            colon = ": " if lang == "en" else "："
            summary.append((spot[0], f"{spot[1]}{colon}{short}" if spot[1] else short))
    if summary[0][0] is None and len(summary) > 1:  # the sentence leads to the first field it names
        summary[0] = (summary[1][0], message)
    return FormState(values, errors, summary, form)


def rejects_to(page: Callable[..., Any], where: Where | None = None, form: str | None = None):
    """Decorate a POST route: when its service refuses the form, answer with `page` drawn again
    with what was typed and the errors (see the module's docstring). `form`: the id of the
    rejected form, for pages with several."""

    def decorate(route):
        is_async = inspect.iscoroutinefunction(route)

        @functools.wraps(route)
        async def wrapper(**kwargs):
            try:
                if is_async:
                    return await route(**kwargs)
                return await run_in_threadpool(functools.partial(route, **kwargs))
            except (NotFound, PermissionDenied, Throttled):
                raise
            except CaseAtlasError as exc:
                request, ctx = kwargs["request"], kwargs["ctx"]
                posted = await request.form()  # parsed once: Starlette keeps it
                values = {k: v for k, v in posted.multi_items() if isinstance(v, str) and k != "csrf_token"}
                state = state_for(exc, values, where, form, page_lang(request))
                status = 409 if isinstance(exc, Conflict) else 400
                rest = {k: v for k, v in kwargs.items() if k not in ("request", "ctx")}
                return page(request, ctx, state=state, status=status, **rest)

        return wrapper

    return decorate


def fixed(mapping: dict[str, str], labels: dict[str, str] | None = None) -> Where:
    """A `where` for forms whose fields map one to one onto control ids."""

    def where(field: str, values: dict) -> tuple[str, str] | None:
        if field not in mapping:
            return None
        return mapping[field], (labels or {}).get(field, "")

    return where
