"""Interface strings: Simplified Chinese first, English on request (?lang=en, remembered in a cookie)."""

from __future__ import annotations

from ..text import numbers
from ..vocab import DECISION_LABELS, OUTCOME_KIND_LABELS, PERIOD_LABELS, STORED_DECISIONS

STRINGS: dict[str, tuple[str, str]] = {
    "app": ("案例图谱", "CaseAtlas"),
    "tagline": (
        "气候行动案例库：检索、比较、核对每一个数字的出处",
        "Climate-action case library: search, compare, and trace every number to its source",
    ),
    "home": ("首页", "Home"),
    "search": ("检索", "Search"),
    "compare": ("对比", "Compare"),
    "insights": ("统计图表", "Insights"),
    "collections": ("案例集", "Collections"),
    "search_placeholder": (
        "输入关键词，例如：光伏治沙、余热回收、零碳工厂",
        "e.g. 光伏治沙, waste heat recovery, zero carbon factory",
    ),
    "search_button": ("检索", "Search"),
    "books": ("本案例集", "books"),
    "cases": ("个案例", "cases"),
    "claimed": ("申报的量化成果（合计，按类型）", "Claimed outcomes (totals by kind)"),
    "claimed_note": (
        "只合计项目已实现的、可相加的成果，按周期分开（每年与累计不相加）；目标、假设、预测及机构或行业整体的数字不计入。",
        "Only achieved project figures of kinds that add up, per period (annual and cumulative are not added); "
        "targets, hypotheticals, projections and organization- or sector-wide figures are left out.",
    ),
    "not_summed": ("未计入合计：", "Not in the totals:"),
    "totals_note": (
        "每项合计列出贡献最大的案例及其占比；“有核查提示”是合计中由尚未排除的核查提示所指数字构成的部分。",
        "Each total names the cases that contribute most, with their shares; “flagged” is the part of a total that "
        "rests on figures a standing (not dismissed) check flag cites.",
    ),
    "flagged_part": ("其中有核查提示", "Of which flagged"),
    "top_cases": ("主要来源案例", "Largest contributing cases"),
    "dominant": ("其中 1 个案例占", "One case makes"),
    "left_out_value": ("未计入", "Left out:"),
    "all_figures_total": ("全部数字合计", "all figures"),
    "n_figures": ("个数字", "figures"),
    "status": ("状态", "Status"),
    "status_achieved": ("已实现", "achieved"),
    "status_target": ("目标", "target"),
    "status_hypothetical": ("假设", "hypothetical"),
    "status_projection": ("预测", "projection"),
    "status_organization": ("机构整体", "organization-wide"),
    "status_sector": ("行业或地区整体", "sector-wide"),
    "scope_organization": ("机构整体", "organization-wide"),
    "scope_sector": ("行业或地区整体", "sector-wide"),
    "status_part": ("“其中”的分项", "parts of a total"),
    "scope_part": ("“其中”的分项", "part of a total"),
    "kind": ("类型", "Kind"),
    "total": ("合计", "Total"),
    "unit": ("单位", "Unit"),
    "n_cases": ("案例数", "Cases"),
    "results": ("条结果", "results"),
    "filters": ("筛选", "Filters"),
    "clear": ("清除筛选", "Clear filters"),
    "matched": ("匹配原因", "Why it matched"),
    "export_results": ("导出全部结果 (CSV)", "Export all results (CSV)"),
    "export_outcomes": ("导出成果明细 (CSV)", "Export outcomes (CSV)"),
    "min_outcome": ("成果门槛", "Outcome threshold"),
    "at_least": ("至少", "at least"),
    "apply": ("应用", "Apply"),
    "prev": ("上一页", "Previous"),
    "next": ("下一页", "Next"),
    "page": ("页", "page"),
    "no_results": ("没有找到匹配的案例。", "No matching cases."),
    "facts": ("事实与数据", "Facts"),
    "outcomes": ("量化成果", "Quantified outcomes"),
    "value": ("数值", "Value"),
    "period": ("周期", "Period"),
    "evidence": ("原文", "Evidence"),
    "region": ("地区", "Region"),
    "sector": ("领域", "Sector"),
    "industry": ("行业", "Industry"),
    "measures": ("措施", "Measures"),
    "standards": ("标准与认证", "Standards"),
    "systems": ("数字化系统", "Systems"),
    "targets": ("目标", "Targets"),
    "provenance": ("出处", "Provenance"),
    "lines": ("行", "lines"),
    "similar": ("相似案例", "Similar cases"),
    "organization": ("实施单位", "Organization"),
    "chapter": ("章节", "Chapter"),
    "collection": ("案例集", "Collection"),
    "add_compare": ("加入对比", "Add to compare"),
    "compare_selected": ("对比所选案例", "Compare selected"),
    "compare_hint": ("在检索结果中勾选 2–4 个案例进行对比。", "Tick 2–4 cases in search results to compare them."),
    "show_quote": ("定位原文", "Show in text"),
    "publisher": ("发布机构", "Publisher"),
    "year": ("年份", "Year"),
    "flags": ("核查提示", "Checks"),
    "sev_error": ("错误", "Error"),
    "sev_warning": ("存疑", "Doubtful"),
    "sev_note": ("提示", "Note"),
    "verdict_confirmed": ("已确认", "Confirmed"),
    "verdict_dismissed": ("已排除", "Dismissed"),
    "check_factor": ("排放因子", "Emission factor"),
    "check_magnitude": ("数量级", "Magnitude"),
    "check_unit-type": ("单位类型", "Unit type"),
    "check_format": ("数字格式", "Number format"),
    "check_sum": ("合计", "Sum"),
    "check_duplicate-value": ("前后不一", "Differing values"),
    "check_date": ("日期", "Date"),
    "check_period": ("期间", "Period"),
    "check_product": ("乘积", "Product"),
    "check_missing-unit": ("缺少单位", "Missing unit"),
    "check_plausibility": ("合理性", "Plausibility"),
    "check_verification": ("现场核查", "Site visit"),
    "check_any": ("有核查提示", "Has a flag"),
    "without_flagged": ("不计有核查提示的数字", "Leave out flagged figures"),
    "with_flagged": ("计入全部数字", "Count every figure"),
    "flagged_left_out": ("未计入的有核查提示的数字：", "Flagged figures left out:"),
    "reference": ("参考值来源", "Reference"),
    "verdict": ("核查结论", "Verdict"),
    "verdict_note": ("说明（可选）", "Note (optional)"),
    "publish_book": ("发布为图书", "Publish as a book"),
    "html_edition": ("HTML 离线版（zip）", "HTML edition (zip)"),
    "foreword": ("前言", "Foreword"),
    "panel": ("评审专家", "Expert panel"),
    "chapters": ("章节", "Chapters"),
    "download_csv": ("下载 CSV", "Download CSV"),
    "data_table": ("数据表", "Data table"),
    "by_sector": ("按领域的已实现年减排量 (tCO2e/年)", "Achieved annual tCO2e by sector"),
    "by_book": ("按案例集的已实现年减排量 (tCO2e/年)", "Achieved annual tCO2e by book"),
    "measure_freq": ("措施出现频次（案例数）", "Measures by frequency (cases)"),
    "standard_adoption": ("标准与认证采用情况（案例数）", "Standards adoption (cases)"),
    "by_province": ("按省份的案例数", "Cases by province"),
    "language": ("English", "中文"),
    "not_found": ("未找到", "Not found"),
    "error": ("出错了", "Something went wrong"),
    "sort": ("排序", "Sort"),
    "relevance": ("相关度", "Relevance"),
    "by_co2": ("减排量从高到低", "tCO2e, high to low"),
    "all_cases": ("全部案例", "All cases"),
    "skip": ("跳到正文", "Skip to content"),
    **{f"kind_{k}": pair for k, pair in OUTCOME_KIND_LABELS.items()},
    **{f"period_{p}": pair for p, pair in PERIOD_LABELS.items()},
    "mode": ("检索方式", "Mode"),
    "mode_auto": ("智能（词语+语义）", "Smart (words + meaning)"),
    "mode_text": ("精确（词语）", "Exact (words)"),
    "mode_semantic": ("语义", "By meaning"),
    "mode_hybrid": ("词语+语义", "Words + meaning"),
    "syntax_hint": (
        '空格分隔的词须全部出现；"短语" 精确匹配；-词 排除；title:词、org:词 限定标题或机构',
        'Space-separated words must all match; "phrase" is exact; -word excludes; title:word, org:word',
    ),
    "col_group": ("分组", "Group"),
    "col_value": ("名称", "Value"),
    "col_total": ("合计", "Total"),
    "col_cases": ("案例数", "Cases"),
    "login": ("登录", "Log in"),
    "logout": ("退出", "Log out"),
    "username": ("用户名", "Username"),
    "password": ("密码", "Password"),
    "login_failed": ("用户名或密码错误。", "Wrong username or password."),
    "login_throttled": ("登录失败次数过多，请在 {} 秒后再试。", "Too many failed logins: try again in {} s."),
    "admin": ("管理", "Admin"),
    "users": ("用户", "Users"),
    "audit": ("操作日志", "Audit log"),
    "role": ("角色", "Role"),
    "active": ("启用", "Active"),
    "add_user": ("添加用户", "Add user"),
    "display_name": ("姓名", "Name"),
    "save": ("保存", "Save"),
    "upload_book": ("导入案例集", "Add a book"),
    "upload": ("上传并导入", "Upload and ingest"),
    "delete": ("删除", "Delete"),
    "at": ("时间", "When"),
    "actor": ("操作者", "Who"),
    "action": ("操作", "Action"),
    "target": ("对象", "Target"),
    "detail": ("详情", "Detail"),
    "not_allowed": ("当前账号没有管理权限。", "This account has no administrative rights."),
    "signed_in_as": ("已登录：", "Signed in as "),
    "disabled": ("停用", "Disabled"),
    "role_admin": ("管理员", "admin"),
    "role_organizer": ("组织方", "organizer"),
    "role_reviewer": ("评审专家", "reviewer"),
    "role_applicant": ("申报单位", "applicant"),
    "phase_draft": ("未发布", "draft"),
    "phase_submission": ("征集中", "open for submissions"),
    "phase_review": ("评审中", "in review"),
    "phase_discussion": ("讨论中", "in discussion"),
    "phase_decision": ("待决定", "deciding"),
    "phase_published": ("已发布结果", "results published"),
    "sub_draft": ("草稿", "draft"),
    "sub_submitted": ("已提交", "submitted"),
    "sub_withdrawn": ("已撤回", "withdrawn"),
    "revision_open": ("修改中", "awaiting the revised text"),
    "revision_answered": ("已提交修改稿", "revised"),
    "revision_expired": ("修改已逾期", "revision expired"),
    "revision_closed": ("已关闭", "closed"),
    **{f"decision_{d}": DECISION_LABELS[d] for d in STORED_DECISIONS},
    "origin_declared": ("申报并确认", "declared and confirmed by the applicant"),
    "origin_extracted": ("文本提取", "extracted from the text"),
    # accounts: invitations, password reset, changing one's password
    "new_password": ("新密码", "New password"),
    "new_password_again": ("再次输入新密码", "New password again"),
    "current_password": ("当前密码", "Current password"),
    "password_hint": (
        "至少 10 个字符，且不易被猜到：几个不相关的词最好；不要用用户名、机构名或邮箱。",
        "At least 10 characters and hard to guess: a few unrelated words work best; not your user name, "
        "organization or e-mail.",
    ),
    "passwords_differ": ("两次输入的新密码不一致。", "The two new passwords differ."),
    "invite_title": ("接受邀请：设置密码", "Accept your invitation: choose a password"),
    "invite_for": ("账号", "Account"),
    "reset_title": ("重设密码", "Reset your password"),
    "password_set": ("密码已设置，请用新密码登录。", "Your password is set: log in with it."),
    "link_invalid_title": ("链接无效", "This link is not valid"),
    "link_invalid": (
        "该链接已使用、已过期或不存在。邀请链接请联系组织方重新发送；重设密码请重新申请。",
        "This link was used already, has expired or never existed. Ask the organizers for a new "
        "invitation, or ask for a new reset link.",
    ),
    "forgot_password": ("忘记密码？", "Forgot your password?"),
    "forgot_title": ("忘记密码", "Forgot your password"),
    "forgot_login": ("用户名或电子邮箱", "User name or e-mail"),
    "forgot_send": ("发送重设链接", "Send a reset link"),
    "forgot_sent": (
        "如果该账号存在且登记了电子邮箱，重设密码的链接已发往该邮箱（2 小时内有效，只能使用一次）。",
        "If that account exists and has an e-mail address, a reset link has been sent to it (valid for "
        "2 hours, usable once).",
    ),
    "change_password": ("修改密码", "Change password"),
    "password_changed": (
        "密码已修改；该账号的其他登录会话已结束。",
        "Your password is changed; the account's other sessions have ended.",
    ),
    "invitation_once": (
        "邀请链接（只显示这一次；已发往对方邮箱，如未登记邮箱请自行转交）：",
        "Invitation link (shown only now; mailed to the address given — without one, pass it on yourself):",
    ),
    # issue 27 — search
    "search_hint": (
        "空格分隔的词须全部出现（同义词、中英文对应词也算，如 减碳 = 降碳、emission reduction）；"
        "勾选“任一词”或在词间写 OR：出现其中任一词即可；"
        '"短语" 精确匹配；-词 排除；title:词、org:词 限定标题或机构',
        "Space-separated words must all appear (a synonym or the Chinese or English equivalent counts: "
        '减碳 = emission reduction); tick "Any word" or put OR between words to match any of them; '
        '"phrase" matches exactly; -word excludes; title:word, org:word search titles or organizations',
    ),
    "search_any": ("任一词", "Any word"),
    "search_all_found": (
        "{} 个案例包含全部 {} 个词。",
        "{} cases have all {} words.",
    ),
    "search_all_more": (
        "另有 {} 个案例只含部分词语",
        "{} more have only some of them",
    ),
    "search_any_found": (
        "任一词即可：{} 个案例至少包含其中一个词，按相关度排序。",
        "Any word: {} cases have at least one of the words, the most relevant first.",
    ),
    "search_relaxed": (
        "没有案例同时包含全部 {} 个词，下面是包含其中任一词的 {} 个案例。",
        "No case has all {} words; these {} cases have at least one of them.",
    ),
    "search_coverage": (
        "语义向量只覆盖 {} / {} 个案例：语义相似度只在这些案例之间调整次序，"
        "不会把它们排到文字匹配同样好的其他案例之前。运行 caseatlas embed 可补全。",
        "Only {} of {} cases have vectors: similarity reorders those cases among themselves and never "
        "lifts them above equally good word matches in the other cases. Run caseatlas embed to complete them.",
    ),
    "search_why_words": ("词语", "Words"),
    "search_why_semantic": ("语义相似度", "Similarity"),
    "search_why_count": ("含 {} / {} 个词", "{} of {} words"),
    "search_why_filters": ("符合筛选条件", "Matches the filters"),
    "search_list_sep": ("、", ", "),
    "search_clause_sep": ("；", "; "),
    "search_colon": ("：", ": "),
    "search_group": ("集团", "group"),
    "search_group_open": ("（", " ("),
    "search_group_close": ("）", ")"),
    # issue 27 — english: an account's language (its mails), lists and marks written per language
    "account_language": ("邮件语言", "Mail language"),
    "account_language_lead": (
        "本站发给您的邮件（邀请、回执、提醒、评审结果）使用的语言。",
        "The language of the mails this site sends you (invitations, receipts, reminders, decisions).",
    ),
    "account_language_saved": ("已保存。之后的邮件将使用所选语言。", "Saved: mails from now on are in that language."),
    "mail_language": ("邮件使用", "Write to me in"),
    "lang_zh": ("中文", "Chinese (中文)"),
    "lang_en": ("英文（English）", "English"),
    "lang_unstated": ("不指定（按征集的设置，默认中文）", "Not stated (the call's setting; Chinese by default)"),
    "mail_language_hint": (
        "页面语言用右上角的“English / 中文”切换，与邮件语言无关。",
        "The pages' language is switched at the top of each page; it does not change this.",
    ),
}

# A unit as a reader of the page's language writes it (canonical units stay in exports): the one
# writer's labels (text/numbers.unit_label, from vocab.UNIT_LABELS).
unit_label = numbers.unit_label


FACET_LABELS = {
    "collection": "collection",
    "year": "year",
    "chapter": "chapter",
    "sector": "sector",
    "province": "region",
    "measure": "measures",
    "standard": "standards",
    "organization": "organization",
    "flag": "flags",
}


# Keys a page asked for that STRINGS does not have: the page shows the key itself (a page never
# fails over a label), and the tests that render every page fail on any key recorded here.
MISSING: set[str] = set()


def translator(lang: str):
    idx = 1 if lang == "en" else 0

    def t(key: str) -> str:
        pair = STRINGS.get(key)
        if pair is None:
            MISSING.add(key)
            return key
        return pair[idx]

    return t
