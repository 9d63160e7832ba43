"""Stopword lists for the lexical index: words too common to tell one demand or achievement from another.

Both lists are already normalised (simplified, lower case), because they are compared with normalised tokens.
"""

from __future__ import annotations

# Chinese: function words (particles, prepositions, conjunctions, pronouns, measure words) and the few
# research words that open almost every abstract (基于, 研究, 方法, 一种, 本文, 提出...). Kept short on
# purpose: BM25's idf already discounts common words, and a word wrongly listed here can never match, so
# domain-bearing generic words (系统, 技术, 应用, 分析, 设计) stay in. Multi-character entries also catch the
# pieces jieba's search mode emits (研究 inside 研究院 goes, 研究院 stays).
ZH_STOPWORDS: frozenset[str] = frozenset(
    """
    的 地 得 之 了 着 过 和 与 及 以及 或 或者 并 并且 而 而且 且 等 等等
    在 于 是 对 对于 为 为了 以 由 从 向 把 被 将 其 其中 此 该 这 这些 这种 那 那些 各 各种 每
    也 都 又 还 就 即 则 但 但是 因此 因而 所以 如果 若 虽然 通过 根据 按照 关于 由于 之间 之一
    中 上 下 内 后 前 时 我们 我 本 本文 一个 一种 一些 个 种 可以 可 能 能够 有 具有
    进行 利用 采用 使用 提出 给出 表明 结果 研究 方法 基于 探讨
    """.split()  # noqa: SIM905 (a word list reads better as text)
)

# English: the Snowball English stop list (snowballstem.org/algorithms/english/stop.txt) without its
# contracted forms, plus the fragments the tokenizer leaves of them ("it's" -> it s, "don't" -> don t)
# and a few modal and linking words (can, will, also). Lucene's 33-word list keeps too many function words
# for long, abstract-like queries; Snowball's is the usual choice for stemmed English.
EN_STOPWORDS: frozenset[str] = frozenset(
    """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself
    she her hers herself it its itself they them their theirs themselves
    what which who whom this that these those am is are was were be been being
    have has had having do does did doing would should could ought
    a an the and but if or because as until while of at by for with about against between into
    through during before after above below to from up down in out on off over under
    again further then once here there when where why how all any both each few more most other some
    such no nor not only own same so than too very
    s t don can will also
    """.split()  # noqa: SIM905 (a word list reads better as text)
)

# Explanations only (never the index): words that are too general to say why two listings belong together,
# although they may rightly help ranking. A shared "技术" or "platform" is true of almost every pair, so it
# never appears among a match's shared concepts. Entries are whole display words (unstemmed, normalised);
# the index lists above are applied to explanations as well.
EXPLANATION_STOPWORDS: frozenset[str] = frozenset(
    """
    即可 技术 合作 平台 开展 实现 提供 需要 需求 要求 希望 相关 主要 支持 具备 完成 形成 开发 研发 应用
    系统 产品 服务 项目 企业 公司 客户 用户 单位 团队 能力 问题 方案 领域 行业 市场 工作 国内 国际 我国
    目前 现有 已经 已 正在 可能 进一步 同时 包括 以上 以下 左右 达到 提升 提高 降低 解决 满足 适用 面向
    联合 联合开发 合作开发 推广 示范 建设 建立 关键 核心 重点 新型 先进 高效 一体 验证
    成果 转化 许可 转让 授权 合同 签约
    万元 亿元 元 年 月 日 个月 小时 分钟 周 天 次 项 套 台 家 条 倍 以内 以上 不少于 不超过 不低于
    take takes taking go goes get gets customer customers user users run runs running
    based using use used new high low via per within
    well able need needs needed require requires required want wants provide provides provided seek seeks
    support supports technology technologies technical platform platforms solution solutions system systems
    product products service services project projects company companies team teams partner partners
    cooperation joint development develop developing developed application applications apply applied
    approach method methods result results work works working make makes made one two three first second
    existing current currently already including include includes across without less least many much
    cny rmb yuan million billion year years month months week weeks day days hour hours time times
    """.split()  # noqa: SIM905 (a word list reads better as text)
)

# Queries only (never the index): the boilerplate of enterprise demands (预期目标：1、…, 技术指标,
# 合作方式, 研制满足公司需求的…, "we seek a partner"), which says that something is wanted but not what.
# Dropped from a query's lexical tokens (`engine.hybrid.query_tokens`) unless nothing else is left; an
# achievement holding one of them is still found through the rest of the query. Normalised tokens,
# English stemmed as the analyser does.
QUERY_STOPWORDS: frozenset[str] = frozenset(
    """
    预期 目标 预期目标 研制 满足 公司 我司 本公司 需求 要求 希望 寻求 拟 计划 获得 具体 披露 接受 可接受
    合作 方式 合作方式 委托 攻关 联合攻关 产学研 伙伴 高校 院所 科研院所 团队 单位 企业 客户
    技术指标 指标 优于 不低于 不少于 不高于 不超过 以内 以上 达到
    seek partner need want requir look compani custom plan
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
