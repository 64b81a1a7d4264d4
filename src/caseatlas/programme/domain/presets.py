"""Call presets: the submission templates and review criteria of the two programme families
behind the reference books. An organizer starts from one and edits what differs.

- `cteam`: the enterprise climate-action case call (案例集 of C Team and partners): fixed case
  sections, criteria 影响力 / 可推广性 / 可持续性;
- `isotc268`: the city/community/enterprise sustainable-development report (ISO/TC268 family):
  numbered sections, criteria "双碳"相关性 / 社会影响力 / 技术创新含量.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...vocab import CORE_KINDS


@dataclass(frozen=True, slots=True)
class Criterion:
    key: str
    label: str
    weight: float
    description: str = ""

    def as_dict(self) -> dict:
        return {"key": self.key, "label": self.label, "weight": self.weight, "description": self.description}


@dataclass(frozen=True, slots=True)
class RoundPreset:
    """One round of a preset season. `criteria` None: the call's criteria (the preset's own)."""

    key: str
    label: str
    kind: str  # vocab.ROUND_KINDS
    k: int = 3
    criteria: tuple[Criterion, ...] | None = None
    fields: tuple[tuple[str, str], ...] = ()  # (key, label) of free text the form asks
    see_earlier: bool = True
    see_peers: bool = False

    def as_dict(self, call_criteria: list[dict]) -> dict:
        return {
            "key": self.key,
            "label": self.label,
            "kind": self.kind,
            "k": self.k,
            "criteria": [c.as_dict() for c in self.criteria] if self.criteria is not None else call_criteria,
            "fields": [{"key": k, "label": label} for k, label in self.fields],
            "visibility": {"see_earlier": self.see_earlier, "see_peers": self.see_peers},
        }


def round_label_en(label: str) -> str:
    """A round's label in English when it is a preset's own (a label the organizers wrote is shown
    as they wrote it)."""
    return ROUND_LABELS_EN.get(label, label)


# The season Chinese programmes run: 形式审查 by staff, 初评 by letter (函评: independent, the
# panel does not see each other), 复评 in a meeting or a defence (会评/答辩: the panel sees each
# other's reviews and the 初评 scores), 终评 by a smaller panel on the whole picture.
SEASON: tuple[RoundPreset, ...] = (
    RoundPreset("formal", "形式审查", "check", k=0),
    RoundPreset("first", "初评（函评）", "review", k=3, fields=(("strengths", "主要亮点"),)),
    RoundPreset(
        "second",
        "复评（会评/答辩）",
        "review",
        k=3,
        fields=(("questions", "答辩问题"), ("opinion", "评审意见")),
        see_peers=True,
    ),
    RoundPreset(
        "final",
        "终评",
        "review",
        k=3,
        criteria=(Criterion("overall", "综合评价", 1.0, "是否入选案例集：代表性、可信度与示范价值"),),
        fields=(("opinion", "终评意见"),),
        see_peers=True,
    ),
)
# The preset rounds' labels in English (and the one review round of a single-round call).
ROUND_LABELS_EN = {
    "形式审查": "Formal check",
    "初评（函评）": "First round (by letter)",
    "复评（会评/答辩）": "Second round (meeting or defence)",
    "终评": "Final round",
    "评审": "Review",
}


@dataclass(frozen=True, slots=True)
class Preset:
    key: str
    label: str
    template: tuple[str, ...]
    criteria: tuple[Criterion, ...]
    domains: tuple[str, ...]
    outcome_kinds: tuple[str, ...] = CORE_KINDS
    scale: tuple[int, int] = (1, 5)
    comment_heading: str = "专家点评"
    rounds: tuple[RoundPreset, ...] = SEASON
    extra: dict = field(default_factory=dict)


PRESETS: dict[str, Preset] = {
    p.key: p
    for p in (
        Preset(
            key="cteam",
            label="企业气候行动案例征集",
            template=("案例概述", "项目亮点", "机构简介", "项目实施", "项目成果", "项目影响力、可推广性与可持续性"),
            criteria=(
                Criterion("impact", "影响力", 0.4, "减排量与社会、环境效益的规模"),
                Criterion("replicability", "可推广性", 0.3, "在其他企业、行业或地区复制的可能"),
                Criterion("sustainability", "可持续性", 0.3, "资金、机制与运营能否长期持续"),
            ),
            domains=(
                "绿色制造",
                "能源转型",
                "绿色建筑",
                "碳普惠与公众减排",
                "绿色金融",
                "可持续消费",
                "绿色交通",
                "污废处理",
            ),
        ),
        Preset(
            key="isotc268",
            label="碳达峰碳中和可持续发展案例征集",
            template=(
                "一、背景与思路",
                "二、主要措施",
                "三、典型经验与做法",
                "四、成效",
                "五、问题与建议",
                "六、下一步计划",
            ),
            criteria=(
                Criterion("relevance", "“双碳”相关性", 1.0, "与碳达峰碳中和目标的直接关系"),
                Criterion("social", "社会影响力", 1.0, "对城市、社区与公众的影响"),
                Criterion("innovation", "技术创新含量", 1.0, "技术与模式的创新程度"),
            ),
            domains=("城市", "社区", "工业", "农业", "服务业"),
        ),
    )
}


def get(key: str) -> Preset:
    from ...errors import CaseAtlasError

    try:
        return PRESETS[key]
    except KeyError:
        raise CaseAtlasError(f"unknown preset '{key}' (use one of {', '.join(PRESETS)})") from None
