"""Data shapes shared by every layer.

A `Document` is what a reader makes of a file: its lines, each with provenance.
`segment` turns a document into a `Book` (collection metadata + cases + sections),
which `store` persists. Line numbers are 1-based and refer to the document's own
numbering: the file's lines for text formats, extraction order for PDF/DOCX/HTML.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Line:
    no: int  # 1-based line number in the document
    raw: str  # the text exactly as read (so evidence quotes can be located)
    text: str  # normalized text (digits, spaces, letter-spacing, markup repaired)
    page: int | None = None  # 1-based page where the format has pages


@dataclass(slots=True)
class Document:
    source_file: str  # file name as ingested
    # Where the bytes came from, kept as provenance: the resolved path of a file read from disk;
    # `upload:<file name>` for a file sent over the web (its bytes were never on disk here);
    # `programme:<slug>/call:<id>` for a call's published selection. Never a path that is gone.
    source_path: str
    format: str  # txt, md, pdf, docx, html
    sha256: str
    lines: list[Line]
    encoding: str | None = None


@dataclass(slots=True)
class Section:
    heading: str
    start_line: int
    end_line: int


@dataclass(slots=True)
class Case:
    seq: int  # 1-based position in the book
    title: str
    organization: str | None
    chapter: str | None
    start_line: int
    end_line: int
    page: int | None
    sections: list[Section] = field(default_factory=list)
    text: str = ""
    facts: CaseFacts | None = None
    case_id: str | None = None  # assigned by the store: "<collection>:<n>", kept across re-ingest
    flags: list = field(default_factory=list)  # checks.Flag: what the claim checks found
    tables: list[Table] = field(default_factory=list)  # read once from the case's lines (extract_book)


@dataclass(slots=True)
class Table:
    """A table printed in a case, read back into a grid once (`extract.tables.read`, with
    `text.cells`), stored with the case and read by extraction, the checks and publishing.

    `form` says how it was printed: "tab" — tab-separated cells (a Word or HTML table) under a
    header that names each column's unit; "grid" — a flattened table (a PDF's narrow column:
    header fragments, each row's numbers on one line, its label before, after or beside them).
    Columns are the value columns: the label column is `labels`. Rows a grid cannot place (a
    cell in words: "暂未启动") are left out and the table is not `complete`."""

    form: str  # "tab" or "grid"
    header: list[str]  # per column: its header ("年减排量（吨二氧化碳）"; a tab table's without spaces and markup)
    units: list[str]  # per column: the unit its header names ("吨二氧化碳", "万元"), "" when none
    labels: list[str]  # per row: its label ("一期", "合计"), "" when none was found
    cells: list[list[str]]  # per row, per column: the cell as printed ("5,240"); a tab row may be short
    lines: list[int]  # per row: the line that prints it (provenance)
    pages: list[int | None]  # per row: the page of that line, where the format has pages
    totals: list[int] = field(default_factory=list)  # rows that add up rows above them (合计, 小计)
    row_units: list[str] = field(default_factory=list)  # per row: a unit printed in the row ("吨"), or ""
    header_lines: list[int] = field(default_factory=list)  # the lines the header was read from
    complete: bool = True  # every row has a number in every column (a sum can be checked)

    @property
    def total(self) -> int | None:
        """The table's total row (the last one: a 合计 under 小计s), None when it has none."""
        return self.totals[-1] if self.totals else None

    @property
    def first_line(self) -> int:
        """Where the table starts: its header's first line, or its first row's."""
        return min(self.header_lines + self.lines)


@dataclass(slots=True)
class CollectionMeta:
    title: str
    publisher: str | None = None
    year: int | None = None
    foreword: str | None = None
    experts: list[str] = field(default_factory=list)
    chapters: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Book:
    document: Document
    meta: CollectionMeta
    cases: list[Case]
    # Line numbers of page furniture (running headers, page numbers, side tabs): extraction
    # reads past them, so a figure split by a page break ("约 8 万" | header | "吨") is one figure.
    furniture: frozenset[int] = frozenset()


@dataclass(slots=True)
class IngestResult:
    """What storing one file did: the one result of every ingest (a file, an upload, a call's
    published book), from the store's save up to the shells."""

    path: str  # the file as given: a path on disk, or the name of a book sent or published
    status: str  # added, replaced, unchanged, error
    n_cases: int = 0
    error: str | None = None  # why, when status is error (one line)
    kept: int = 0  # cases that kept their identity on a replace
    removed: int = 0
    collection_id: int | None = None  # the stored collection (None on error)


@dataclass(slots=True)
class Evidence:
    quote: str  # exact substring of the raw source line
    line: int


@dataclass(slots=True)
class Outcome:
    """A quantified result or commitment of a case, in a canonical unit."""

    value: float  # lower bound for ranges
    value_max: float | None
    unit: str  # tCO2e, tce, kWh, MW, CNY (or another currency code), m2, m3, t, %, persons
    kind: str  # co2e_reduction, energy_saving, renewable_capacity, renewable_generation,
    #            investment_or_finance, area, percentage_reduction, users_or_participants, target, other
    period: str  # annual, cumulative, unspecified
    qualifier: str | None  # approx, lower_bound, or None
    quote: str
    line: int
    evidence: list[Evidence] = field(default_factory=list)  # every statement of this claim
    status: str = "achieved"  # vocab.STATUSES: achieved, target, hypothetical, projection
    scope: str = "project"  # vocab.SCOPES: project, organization, sector, part
    origin: str = "extracted"  # vocab.ORIGINS: extracted (read from the text) or declared (stated as data)
    span: tuple[int, int] | None = None  # first and last year a figure covers, when the text says so
    # A declared figure's site-visit verdict (调研核实): {verdict, declared_value, unit, visit, by, at,
    # note}; an adjusted figure's `value` is the value found. None: not visited (or not declared).
    verification: dict | None = None


@dataclass(slots=True)
class Attribute:
    """A categorical fact about a case (region, sector, measure, standard, system, target)."""

    kind: str
    value: str
    detail: str | None
    quote: str
    line: int


@dataclass(slots=True)
class CaseFacts:
    outcomes: list[Outcome] = field(default_factory=list)
    attributes: list[Attribute] = field(default_factory=list)


@dataclass
class Filters:
    """What a search or a listing is narrowed to (all None: the whole library)."""

    collection: str | None = None  # slug, file name or title
    year: int | None = None
    chapter: str | None = None
    sector: str | None = None
    province: str | None = None
    measure: str | None = None
    standard: str | None = None
    min_outcomes: list[tuple[str, float]] = field(default_factory=list)  # (kind, minimum in canonical unit)
    flag: str | None = None  # vocab.FLAG_ANY or a check (vocab.CHECKS): cases with such a flag not dismissed
    organization: str | None = None  # an organization's id or name: its cases and its group's

    def active(self) -> bool:
        return any(
            v
            for v in (
                self.collection,
                self.year,
                self.chapter,
                self.sector,
                self.province,
                self.measure,
                self.standard,
                self.min_outcomes,
                self.flag,
                self.organization,
            )
        )
