"""What the library's use cases return about books and cases: pydantic models, and the
builders that make them from the store's rows.

The services return these (never bare dicts), and the JSON API serves the same classes as its
response models, so `/api/v1/openapi.json` is the shape the services build: one definition
per shape (docs/architecture.md, "Typed results"). `CaseRecord` is the export contract
(README): its names are stable, later versions only add fields; JSON Lines is
`record.model_dump()` in field order."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from ..vocab import VERDICTS, FigureVerdict, Origin, OutcomeKind, Period, Scope, Status


class Result(BaseModel):
    """A use case's answer: frozen (a caller reads it, never edits it in place), and read by
    attribute in the CLI and the pages."""

    model_config = ConfigDict(frozen=True)


# A computed figure that may be whole: kept as the check wrote it (JSON Lines writes 3, as it
# always has), sent as a float by the API (3.0, as its `number` schema always said).
Number = Annotated[int | float, PlainSerializer(float, return_type=float, when_used="json")]


class Collection(Result):
    slug: str
    title: str
    source_file: str
    publisher: str | None
    year: int | None
    n_cases: int
    chapters: list[str]
    experts: list[str]
    foreword: str | None
    format: str


class Region(Result):
    province: str
    city: str | None
    quote: str
    line: int


class Sector(Result):
    topic: str | None
    industry: str | None
    quote: str | None
    line: int | None


class Evidence(Result):
    quote: str
    line: int


class Verification(Result):
    """What a site visit (调研核实) found of a declared figure: confirmed, adjusted (the metric's
    value is the one found; `declared_value` the one declared) or not verifiable; which visit,
    who, when (UTC), why."""

    verdict: FigureVerdict
    declared_value: float
    unit: str
    visit: int
    by: str | None = None
    at: str
    date: str | None = None  # the visit's day in the call's zone, as printed ("2027年4月2日")
    note: str | None = None
    words: str | None = None  # "现场核查调整：申报 X → 核实 Y（调研核实，日期，说明）"
    words_en: str | None = None


def _verification(o: dict) -> dict | None:
    v = o.get("verification")
    if not v:
        return None
    from ..text.provenance import adjustment_words

    return {**v, "words": adjustment_words(o, "zh"), "words_en": adjustment_words(o, "en")}


class Metric(Result):
    id: str  # stable fact id
    value: float
    value_max: float | None
    unit: str
    kind: OutcomeKind
    period: Period
    status: Status  # achieved, target, hypothetical, projection
    scope: Scope  # project, organization, sector
    qualifier: str | None
    quote: str
    line: int
    evidence: list[Evidence]
    origin: Origin = "extracted"  # extracted from the text, or declared by the applicant as data
    span: list[int] | None = None  # [first year, last year] a figure covers, when the text says so
    verification: Verification | None = None  # a declared figure's site-visit verdict, with its provenance


class Measure(Result):
    name: str
    category: str | None
    quote: str
    line: int


class Named(Result):
    name: str
    quote: str
    line: int


class Target(Result):
    target: str
    detail: str | None
    quote: str
    line: int


class SectionRange(Result):
    heading: str
    start_line: int
    end_line: int


class SourceLine(Result):
    line_no: int
    page: int | None
    raw: str
    text: str


VerdictValue = Literal[VERDICTS]  # type: ignore[valid-type]


class Flag(Result):
    """A claim check's finding: which figures cannot all be true, with the arithmetic."""

    id: str
    check: str
    severity: Literal["error", "warning", "note"]
    message: str
    message_en: str
    lines: list[int]
    quotes: list[str]
    values: dict[str, Number]
    reference: str | None
    verdict: VerdictValue | None
    verdict_note: str | None
    verdict_by: str | None


class CaseOrganization(Result):
    """An organization a case names, as resolved across books."""

    id: str = Field(description="The organization's stable id (/api/v1/organizations/{id})")
    name: str
    group_id: str = Field(description="The top of its group (itself when it belongs to none)")
    as_printed: str
    source: Literal["printed", "title"]


class CaseRecord(Result):
    """The export contract (README): names are stable, later versions only add fields."""

    id: str
    collection: str
    source_file: str
    start_line: int
    end_line: int
    page: int | None
    title: str
    organization: str | None
    organization_id: str | None = Field(description="The organization (across books) the case names first")
    organizations: list[CaseOrganization]
    chapter: str | None
    sections: list[SectionRange]
    text: str
    year: int | None
    metrics: list[Metric]
    region: Region | None
    sector: Sector | None
    measures: list[Measure]
    standards: list[Named]
    systems: list[Named]
    targets: list[Target]
    flags: list[Flag]


class CaseTable(Result):
    """A table printed in the case (`models.Table`), as read on ingest: value columns with their
    header and unit, each row's label, cells as printed and the line and page that print it."""

    form: Literal["tab", "grid"]
    header: list[str]
    units: list[str]
    labels: list[str]
    cells: list[list[str]]
    lines: list[int]
    pages: list[int | None]
    totals: list[int] = Field(description="Rows that add up the rows above them (合计, 小计)")
    row_units: list[str]
    header_lines: list[int]
    complete: bool


class CaseDetail(CaseRecord):
    lines: list[SourceLine]
    tables: list[CaseTable] = Field(default_factory=list)


class CaseBrief(Result):
    id: str
    collection: str
    source_file: str
    start_line: int
    end_line: int
    title: str
    organization: str | None
    chapter: str | None
    year: int | None
    region: Region | None
    sector: Sector | None
    measures: list[str]
    n_metrics: int


class CasePage(Result):
    total: int
    page: int
    page_size: int
    items: list[CaseBrief]


def collection(row: dict) -> Collection:
    """A stored collection row (its owner columns left out: `library.books` says whose it is)."""
    return Collection(**{k: row[k] for k in Collection.model_fields})


def _facts_fields(row: dict) -> dict:
    attrs = row.get("attributes", [])

    def of(kind: str) -> list[dict]:
        return [a for a in attrs if a["kind"] == kind]

    region = of("region")
    sector, industry = of("sector"), of("industry")
    return {
        "year": row.get("year"),
        "metrics": [
            Metric(
                id=o["fact_id"],
                value=o["value"],
                value_max=o["value_max"],
                unit=o["unit"],
                kind=o["kind"],
                period=o["period"],
                status=o["status"],
                scope=o["scope"],
                qualifier=o["qualifier"],
                quote=o["quote"],
                line=o["line"],
                evidence=o["evidence"],
                origin=o.get("origin") or "extracted",
                span=[o["span_start"], o["span_end"]] if o.get("span_start") is not None else None,
                verification=_verification(o),
            )
            for o in row.get("outcomes", [])
        ],
        "region": Region(
            province=region[0]["value"], city=region[0]["detail"], quote=region[0]["quote"], line=region[0]["line"]
        )
        if region
        else None,
        "sector": Sector(
            topic=sector[0]["value"] if sector else None,
            industry=industry[0]["value"] if industry else None,
            quote=sector[0]["quote"] if sector else None,
            line=sector[0]["line"] if sector else None,
        )
        if sector or industry
        else None,
        "measures": [
            Measure(name=a["value"], category=a["detail"], quote=a["quote"], line=a["line"]) for a in of("measure")
        ],
        "standards": [Named(name=a["value"], quote=a["quote"], line=a["line"]) for a in of("standard")],
        "systems": [Named(name=a["value"], quote=a["quote"], line=a["line"]) for a in of("system")],
        "targets": [
            Target(target=a["value"], detail=a["detail"], quote=a["quote"], line=a["line"]) for a in of("target")
        ],
        "flags": row.get("flags", []),
    }


def case_record(row: dict) -> CaseRecord:
    """A stored case (`store.library.iter_cases`) in the export contract."""
    return CaseRecord(**_record_fields(row))


def case_detail(row: dict, lines: list[dict]) -> CaseDetail:
    """A stored case in the export contract, with its source lines."""
    # The tables are in the detail only: the export record stays as it was.
    tables = [CaseTable(**{f: getattr(t, f) for f in CaseTable.model_fields}) for t in row.get("tables", [])]
    return CaseDetail(**_record_fields(row), lines=lines, tables=tables)


def _record_fields(row: dict) -> dict:
    return {
        "id": row["case_id"],
        "collection": row["collection"],
        "source_file": row["source_file"],
        "start_line": row["start_line"],
        "end_line": row["end_line"],
        "page": row["page"],
        "title": row["title"],
        "organization": row["organization"],
        # The organization (across books) the case names first, and every one it names with its group.
        "organization_id": row["organizations"][0]["org_id"] if row.get("organizations") else None,
        "organizations": [
            CaseOrganization(
                id=o["org_id"], name=o["name"], group_id=o["root_org_id"], as_printed=o["printed"], source=o["source"]
            )
            for o in row.get("organizations", [])
        ],
        "chapter": row["chapter"],
        "sections": row["sections"],
        "text": row["text"],
        **_facts_fields(row),
    }


def brief(r: CaseRecord) -> CaseBrief:
    """A case as a list shows it."""
    return CaseBrief(
        id=r.id,
        collection=r.collection,
        source_file=r.source_file,
        start_line=r.start_line,
        end_line=r.end_line,
        title=r.title,
        organization=r.organization,
        chapter=r.chapter,
        year=r.year,
        region=r.region,
        sector=r.sector,
        measures=[m.name for m in r.measures],
        n_metrics=len(r.metrics),
    )
