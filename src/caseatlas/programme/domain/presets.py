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
class Preset:
    key: str
    label: str
    template: tuple[str, ...]
    criteria: tuple[Criterion, ...]
    domains: tuple[str, ...]
    outcome_kinds: tuple[str, ...] = CORE_KINDS
    scale: tuple[int, int] = (1, 5)
    comment_heading: str = "专家点评"
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
