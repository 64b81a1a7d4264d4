"""Write eval/unseen/books/factories_2026.docx (python-docx): a Word collection whose cases
open with "案例一：" headings and a 【申报单位】 field, numbered sections restarting in every
case, and a Word table of results. Its annotations (gold/) were written before CaseAtlas first
read the file (eval/unseen/README.md says what that first reading scored).

    python eval/unseen/sources/make_docx.py
"""

from pathlib import Path

from docx import Document

CASES = [
    (
        "案例一：常州高新区电机厂零碳工厂建设",
        "常州华澄电机股份有限公司",
        "工厂年用电量约 3,000 万千瓦时，生产线以注塑、冲压和装配为主，空压系统和照明能耗偏高。",
        "工厂实施屋顶分布式光伏、空压站集中控制和全厂 LED 照明改造，"
        "并建立能源管理体系，于 2025 年通过 ISO 50001 认证。",
        [
            ("屋顶光伏装机容量", "兆瓦", "4.6"),
            ("光伏年发电量", "万千瓦时", "480"),
            ("年节约用电", "万千瓦时", "210"),
            ("年减少二氧化碳排放", "吨", "3,870"),
            ("项目总投资", "万元", "2,150"),
        ],
        "2025 年，工厂可再生能源电力占比达到 38%。",
    ),
    (
        "案例二：嘉兴纺织印染企业定型机余热回收",
        "嘉兴锦程印染有限公司",
        "企业共有定型机十二台，排气温度在 150 摄氏度以上，余热未加利用。",
        "对全部定型机加装烟气热回收装置，回收热量用于预热新风和生产用水，并同步建设废气净化设施。",
        [
            ("年节约蒸汽", "吨", "21,600"),
            ("年节约标准煤", "吨", "2,780"),
            ("年减少二氧化碳排放", "吨", "7,250"),
            ("项目投资", "万元", "960"),
        ],
        "项目投资回收期约两年，已在园区内五家印染企业推广。",
    ),
    (
        "案例三：宁波冷链物流园光伏与储能项目",
        "宁波甬冷供应链管理有限公司",
        "园区冷库全年运行，用电负荷平稳，屋顶面积约 6 万平方米。",
        "园区建设屋顶光伏和 5 兆瓦时储能系统，冷库制冷机组实施变频改造，并接入能源监测平台。",
        [
            ("屋顶光伏装机容量", "兆瓦", "7.8"),
            ("光伏年发电量", "万千瓦时", "820"),
            ("年减少二氧化碳排放", "吨", "4,680"),
            ("项目总投资", "万元", "3,400"),
        ],
        "储能系统每年可节约电费约 150 万元。",
    ),
    (
        "案例四：无锡电子企业绿色电力采购与碳管理",
        "无锡芯联电子科技有限公司",
        "企业为半导体封测企业，洁净厂房用电量大，客户对产品碳足迹提出要求。",
        "企业通过绿电交易采购风电和光伏电力，建设碳管理信息系统，完成产品碳足迹核算并通过 ISO 14064 核查。",
        [("年绿电采购量", "万千瓦时", "5,600"), ("年减少二氧化碳排放", "吨", "31,900")],
        "2025 年企业绿电占比达到 65%，获得下游客户绿色供应商认证。",
    ),
]


def main() -> None:
    doc = Document()
    doc.add_heading("长三角零碳工厂实践案例（2026）", level=0)
    doc.add_paragraph("本书收录四个长三角地区工厂的减碳实践，由案例征集办公室汇编。文中企业和数据为示例。")
    for title, org, background, actions, rows, note in CASES:
        doc.add_heading(title, level=1)
        doc.add_paragraph(f"【申报单位】{org}")
        doc.add_heading("一、项目概况", level=2)
        doc.add_paragraph(background)
        doc.add_heading("二、主要做法", level=2)
        doc.add_paragraph(actions)
        doc.add_heading("三、减排成效", level=2)
        table = doc.add_table(rows=1, cols=3)
        for cell, text in zip(table.rows[0].cells, ("成效指标", "单位", "数值")):
            cell.text = text
        for label, unit, value in rows:
            for cell, text in zip(table.add_row().cells, (label, unit, value)):
                cell.text = text
        doc.add_paragraph(note)
        doc.add_heading("四、经验启示", level=2)
        doc.add_paragraph("项目做法成熟、数据可核查，适合在同类企业复制推广。")
    out = Path(__file__).resolve().parents[1] / "books" / "factories_2026.docx"
    doc.save(str(out))


if __name__ == "__main__":
    main()
