"""Name analysis for identity resolution: Chinese and English names reduced to comparable readings."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import product

from pypinyin import Style, lazy_pinyin, pinyin
from rapidfuzz.fuzz import ratio
from rapidfuzz.process import extractOne

from kechuang.text.normalize import T2S_TABLE

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
CACHE = 1 << 16

# ---------------------------------------------------------------- text and pinyin


@lru_cache(maxsize=CACHE)
def fold(text: str) -> str:
    """Full-width to half-width, traditional to simplified, collapsed spaces: one spelling per string."""
    text = unicodedata.normalize("NFKC", text or "")
    if CJK.search(text):
        text = text.translate(T2S_TABLE)  # text.normalize's table: one conversion for search and names
    return " ".join(text.split())


def strip_accents(text: str) -> str:
    """Latin letters without diacritics, so Lü and Lu compare equal."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def has_cjk(text: str) -> bool:
    """Whether a name is written (partly) in Chinese characters."""
    return bool(CJK.search(text))


def norm_syllable(syllable: str) -> str:
    """One spelling for ü: pypinyin writes lv/nv, English writes Lü, Lyu or Lu; all become lu/nu."""
    return syllable.lower().replace("v", "u")


def _norm_roman(word: str) -> str:
    """Normalise a romanised surname or given name the way pinyin syllables are normalised."""
    return re.sub(r"^([ln])(yu|v)", r"\1u", word)


@lru_cache(maxsize=CACHE)
def char_pinyin(char: str) -> str:
    """Most common toneless reading of one character (cached: persons need it per character)."""
    return norm_syllable(lazy_pinyin(char)[0]) if has_cjk(char) else char.lower()


@lru_cache(maxsize=CACHE)
def char_readings(char: str) -> tuple[str, ...]:
    """All toneless readings of one polyphonic character, most common first."""
    if not has_cjk(char):
        return (char.lower(),)
    readings = [norm_syllable(r) for r in pinyin(char, style=Style.NORMAL, heteronym=True)[0]]
    return tuple(dict.fromkeys([char_pinyin(char), *readings]))


@lru_cache(maxsize=CACHE)
def run_pinyin(run: str) -> str:
    """Phrase-aware pinyin of a run of characters, syllables joined (organization proper names)."""
    return "".join(norm_syllable(s) for s in lazy_pinyin(run)).replace(" ", "")


def _words(text: str) -> list[str]:
    """Whitespace-separated vocabulary, so long word lists stay readable."""
    return text.split()


# fmt: off
_INITIALS = [*_words("b p m f d t n l g k h j q x zh ch sh r z c s y w"), ""]
_FINALS = _words("a o e i u ai ei ui ao ou iu ie ue er an en in un ang eng ing ong ia iao ian iang iong "
                 "ua uo uai uan uang")
SYLLABLES = frozenset(i + f for i, f in product(_INITIALS, _FINALS)) - {"", "i", "u", "ue", "ui", "un", "iu"}
# fmt: on


@lru_cache(maxsize=CACHE)
def syllabify(word: str) -> tuple[str, ...] | None:
    """Split a run-together pinyin word (xiaoming) into syllables, longest first; None if not pinyin."""
    if not word:
        return ()
    for size in range(min(6, len(word)), 0, -1):
        head = word[:size]
        if head in SYLLABLES:
            rest = syllabify(word[size:])
            if rest is not None:
                return (head, *rest)
    return None


# ---------------------------------------------------------------- organization vocabulary

# Vocabulary tables stay compact, many entries per line.
# fmt: off
# Chinese org words -> alternatives (|) of token sequences: '@' place, '^' proper name, '#legal' legal form.
_ZH_ORG = """
有限责任公司=#legal 股份有限公司=#legal 有限公司=#legal 股份公司=#legal 责任公司=#legal 公司=#legal
大学=university 学院=college|institute|school 研究院=research_institute|academy|institute
研究所=institute|research_institute 研究中心=research center 研究生院=graduate school 科学院=academy science
中国科学院=cas 中国工程院=cae 中国社会科学院=cass 理工大学=polytechnic university|polytechnic institute
理工学院=polytechnic institute|polytechnic college
工业大学=industrial university|polytechnic university|polytechnic institute 理工=polytechnic
科技大学=science technology university 科学技术=science technology 科技=technology|science technology
技术=technology 科学=science 师范=normal 医科=medical 医学=medical|medicine
医学院=medical college|medical school 医药=pharmaceutical|medicine 制药=pharmaceutical 中医药=tcm 中医=tcm
药科=pharmaceutical 医院=hospital 附属=affiliated 第一=first 第二=second 第三=third 人民=^renmin|people
财经=finance economics 经济=economics 金融=finance 政法=political law 法学=law 外国语=foreign studies
语言=language 传媒=communication|media 艺术=art 音乐=music 美术=fine art 体育=sport 农业=agricultural
林业=forestry 海洋=ocean 石油=petroleum 地质=geosciences 矿业=mining 化工=chemical 化学=chemistry|chemical
物理=physics 数学=mathematics 力学=mechanics 声学=acoustics 光学=optics 自动化=automation
计算技术=computing technology 计算机=computer 计算=computing 软件=software 电子=electronic
微电子=microelectronic 信息=information 通信=communication 通讯=communication 网络=network 移动=mobile
智能=intelligent|intelligence 人工智能=artificial intelligence 数据=data 半导体=semiconductor
集成电路=integrated circuit 芯片=chip 生物=biology 生物技术=biology technology 材料=material 能源=energy
新能源=new energy 环境=environment 环保=environment protection 航空=aviation|aeronautics
航天=astronautics|aerospace 航空航天=aeronautics astronautics|aerospace 交通=^jiaotong|transportation
邮电=posts telecommunication 电力=electric power 电气=electrical 机械=mechanical|machinery 汽车=automotive
制造=manufacturing 装备=equipment 工程=engineering 建筑=architecture 建设=construction 水利=water resources
气象=meteorology 实验室=laboratory 重点实验室=key laboratory 国家=national 国立=national 中心=center
集团=group 控股=holding 投资=investment 发展=development 管理=management 服务=service 咨询=consulting
贸易=trading 实业=industry 产业=industry 创新=innovation 企业=enterprise 国际=international 出版社=press
图书馆=library 博物馆=museum 银行=bank 协会=association 学会=society 基金会=foundation
委员会=committee|commission 分公司=branch 分院=branch 分所=branch 分校=campus 校区=campus 系统=system
系=department 省=provincial 市=municipal 园区=park 科技园=science park 科技园区=science park 医疗=medical
器械=device 健康=health 教育=education 文化=culture 电器=appliance 光电=optoelectronic
"""

_PLACES = _words("""
中国 北京 天津 上海 重庆 河北 山西 陕西 内蒙古 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南
广东 广西 海南 四川 贵州 云南 西藏 甘肃 青海 宁夏 新疆 台湾 香港 澳门 深圳 广州 南京 杭州 苏州 武汉 成都
西安 哈尔滨 大连 青岛 厦门 长沙 合肥 郑州 济南 沈阳 长春 宁波 无锡 东莞 佛山 珠海 昆明 南昌 福州 石家庄 太原
兰州 贵阳 南宁 海口 呼和浩特 乌鲁木齐 拉萨 银川 西宁 台北 中山 华南 华东 华北 华中 西南 西北 东北 东南
中关村 海淀 朝阳 雄安
""")
_PLACE_PINYIN = {
    "陕西": "shaanxi", "内蒙古": "neimenggu", "中国": "china", "香港": "xianggang", "澳门": "aomen",
}

# Historical, postal and Wade-Giles spellings -> pinyin (values double as reasons).
ROMANISATIONS = {
    "tsinghua": "qinghua", "peking": "beijing", "peiping": "beiping", "soochow": "suzhou", "amoy": "xiamen",
    "chekiang": "zhejiang", "fukien": "fujian", "tientsin": "tianjin", "yenching": "yanjing",
    "canton": "guangzhou", "nanking": "nanjing", "chungking": "chongqing", "szechuan": "sichuan",
    "szechwan": "sichuan", "hangchow": "hangzhou", "kwangtung": "guangdong", "shantung": "shandong",
    "hopei": "hebei", "honan": "henan", "hupeh": "hubei", "kiangsu": "jiangsu", "anhwei": "anhui",
    "kweichow": "guizhou", "shensi": "shaanxi", "shansi": "shanxi", "kwangsi": "guangxi",
    "taipei": "taibei", "kaohsiung": "gaoxiong", "hsinchu": "xinzhu", "taichung": "taizhong",
    "harbin": "haerbin", "tibet": "xizang", "urumqi": "wulumuqi", "hohhot": "huhehaote", "lhasa": "lasa",
    "macau": "aomen", "macao": "aomen", "hongkong": "xianggang",
}
# English brand names of Chinese companies -> pinyin of the Chinese name.
_BRANDS = {
    "lenovo": "lianxiang", "tencent": "tengxun", "bytedance": "zijietiaodong", "sinopec": "zhongguoshihua",
    "petrochina": "zhongguoshiyou", "cosco": "zhongyuan", "midea": "meidi",
}
# English words that name a Chinese place or proper name (translations, not romanisations).
_EN_NAMES = {
    "chinese": "china", "prc": "china", "southern": "nanfang", "southwest": "xinan", "northwest": "xibei",
    "northeast": "dongbei", "southeast": "dongnan",
}

_EN_WORDS = """
university=univ,universities institute=inst,institut technology=tech,technol,technologies,technological
science=sci,sciences,scientific academy=acad national=natl,nat,state college=coll school=sch graduate=grad
department=dept laboratory=lab,labs,laboratories center=ctr,centre hospital=hosp medical=med
engineering=eng,engn,engr research=res group=grp association=assoc society=soc polytechnic=polytech
people=peoples finance=financial economics=economic language=languages communication=communications art=arts
sport=sports agricultural=agriculture,agric ocean=oceanography geosciences=geoscience mathematics=math,maths
electronic=electronics microelectronic=microelectronics network=networks semiconductor=semiconductors
circuit=circuits chip=chips biology=biological material=materials environment=environmental
transportation=transport posts=post telecommunication=telecommunications,telecom architecture=architectural
meteorology=meteorological holding=holdings investment=investments management=administrative,administration
park=parks service=services consulting=consultancy trading=trade industry=industries international=intl
municipal=city provincial=province system=systems cas=cas tcm=tcm medicine=medicine
"""
_EN_PLAIN = _words("""
affiliated first second third normal political law foreign studies media music fine forestry petroleum
mining chemical chemistry physics mechanics acoustics optics automation computing computer software
information mobile intelligent intelligence artificial data integrated energy new protection aviation
aeronautics astronautics aerospace electric power electrical mechanical machinery automotive manufacturing
equipment construction water resources development management industrial innovation enterprise press library
museum bank branch campus key foundation committee commission bureau ministry health education culture
appliance optoelectronic device
""")
_EN_DROP = _words("the of and for in at on a an de")
_EN_LEGAL = _words("co company ltd limited inc incorporated corp corporation llc plc gmbh")

# Token phrases on canonical English tokens -> replacement ('@' location, '^' proper name).
_EN_PHRASES = {
    ("china", "academy", "science"): ("cas",), ("sun", "yatsen"): ("^zhongshan",),
    ("sun", "yat", "sen"): ("^zhongshan",), ("institute", "technology"): ("polytechnic", "institute"),
    ("university", "technology"): ("polytechnic", "university"), ("south", "china"): ("@huanan",),
    ("east", "china"): ("@huadong",), ("north", "china"): ("@huabei",),
    ("central", "china"): ("@huazhong",), ("hong", "kong"): ("@xianggang",),
    ("inner", "mongolia"): ("@neimenggu",), ("jiao", "tong"): ("^jiaotong",),
    ("chiao", "tung"): ("^jiaotong",), ("xi", "an"): ("@xian",),
    ("traditional", "china", "medicine"): ("tcm",), ("china", "medicine"): ("tcm",),
    ("biotechnology",): ("biology", "technology"), ("biotech",): ("biology", "technology"),
    ("research", "institute"): ("research_institute",),
}

# Chinese names whose official English name is not a word-by-word reading.
KNOWN_ORGS = {
    "北京理工大学": ("Beijing Institute of Technology",),
    "北京工业大学": ("Beijing University of Technology",),
    "哈尔滨工业大学": ("Harbin Institute of Technology",),
    "北京航空航天大学": ("Beihang University", "Beijing University of Aeronautics and Astronautics"),
    "北京科技大学": ("University of Science and Technology Beijing",),
    "南方科技大学": ("Southern University of Science and Technology",),
    "东吴大学": ("Soochow University",),
    "香港中文大学": ("The Chinese University of Hong Kong",),
    "北京协和医院": ("Peking Union Medical College Hospital",),
    "北京大学医学部": ("Peking University Health Science Center",),
    "北京协和医学院": ("Peking Union Medical College",),
    "国防科技大学": ("National University of Defense Technology",),
    "中国矿业大学": ("China University of Mining and Technology",),
}

# Weak words describe many companies; a difference in them costs little between company names.
WEAK_CONCEPTS = frozenset(_words("""
center consulting development enterprise group holding industry information innovation international
investment management municipal new provincial research science service technology trading
"""))
_ADMIN = frozenset({"provincial", "municipal"})
LEGAL = "#legal"
# fmt: on


def _parse_zh_table(text: str) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Read the compact Chinese vocabulary into word -> alternative token tuples."""
    table: dict[str, tuple[tuple[str, ...], ...]] = {}
    for entry in re.split(r"\s+(?=[^\s=]+=)", text.strip()):
        word, alts = entry.split("=")
        table[word] = tuple(tuple(alt.split()) for alt in alts.split("|"))
    return table


def _parse_en_table() -> dict[str, str]:
    """Read the compact English vocabulary into spelling -> canonical token ('' drops it)."""
    table = {w: w for w in _EN_PLAIN} | {w: "" for w in _EN_DROP} | {w: LEGAL for w in _EN_LEGAL}
    for entry in _EN_WORDS.split():
        canon, _, variants = entry.partition("=")
        table[canon] = canon
        table.update({v: canon for v in variants.split(",") if v})
    return table


ZH_ORG = _parse_zh_table(_ZH_ORG)
for _place in _PLACES:
    ZH_ORG[_place] = (("@" + _PLACE_PINYIN.get(_place, run_pinyin(_place)),),)
EN_WORDS = _parse_en_table()
PLACE_VALUES = frozenset(alts[0][0][1:] for alts in ZH_ORG.values() if alts[0] and alts[0][0][0] == "@")
PLACE_HANZI = frozenset(_PLACES)
CONCEPTS = (
    frozenset(EN_WORDS.values())
    | {t for alts in ZH_ORG.values() for alt in alts for t in alt}
    | {t for out in _EN_PHRASES.values() for t in out}
)
ZH_MAX = max(map(len, ZH_ORG))
_SPELLCHECK = sorted(
    w for w in {*EN_WORDS, *ROMANISATIONS, *_BRANDS, *CONCEPTS} if len(w) > 5 and w.isalpha()
)


# ---------------------------------------------------------------- organization forms


@dataclass(frozen=True)
class OrgForm:
    """One reading of an org name: proper/location core, concept words, branch qualifiers, address places."""

    core: tuple[str, ...]
    locations: frozenset[str]
    concepts: frozenset[str]
    qualifiers: tuple[str, ...] = ()
    address: frozenset[str] = frozenset()
    notes: tuple[str, ...] = ()
    prefix_places: frozenset[str] = frozenset()  # 北京 in 北京小米科技: often dropped, costs little
    company: bool = False  # a legal form (有限公司, Co., Ltd.) was present

    def render(self) -> str:
        """Human-readable reading used in reasons and keys."""
        text = " ".join([*self.core, *sorted(self.concepts)]).replace("_", " ")
        return text + "".join(f" ({q})" for q in self.qualifiers)


@dataclass(frozen=True)
class OrgName:
    """A parsed org name: the hanzi form (Chinese only) and the pinyin/English forms used across scripts."""

    raw: str
    zh: bool
    hanzi: OrgForm | None
    latin: tuple[OrgForm, ...]
    known: bool = False


_QUALIFIER = re.compile(r"[(\[【]([^()\[\]【】]*)[)\]】]")
_ACRONYM = re.compile(r"^[A-Z]{2,6}$")


def _is_place(text: str) -> bool:
    """Whether a qualifier is just a place name (北京, Beijing)."""
    return text in PLACE_HANZI or text.lower() in PLACE_VALUES


def _split_qualifiers(text: str) -> tuple[str, list[str]]:
    """Pull qualifiers out of a name; a mid-name place (小米科技（北京）有限公司) moves to the front instead.

    Bare acronyms like (THU) are aliases, not qualifiers.
    """
    quals: list[str] = []
    places: list[str] = []

    def take(match: re.Match[str]) -> str:
        inner = match.group(1).strip()
        if inner and match.string[match.end() :].strip() and _is_place(inner):
            places.append(inner)
        elif inner and not _ACRONYM.match(inner):
            quals.append(inner)
        return " "

    rest = _QUALIFIER.sub(take, text)
    return " ".join([*places, *rest.split()]), quals


def _tokens_to_form(
    tokens: list[str], notes: list[str], quals: list[str], address: frozenset[str] = frozenset()
) -> OrgForm:
    """Turn marked tokens ('@x' place, '^x' proper, plain concept) into an OrgForm."""
    core = tuple(t[1:] for t in tokens if t[0] in "@^")
    locations = frozenset(t[1:] for t in tokens if t[0] == "@")
    concepts = frozenset(t for t in tokens if t[0] not in "@^" and t != LEGAL)
    prefix = []
    for token in tokens:
        if token[0] != "@" and token not in _ADMIN:
            break
        prefix += [token[1:]] if token[0] == "@" else []
    return OrgForm(
        core,
        locations,
        concepts,
        tuple(quals),
        address,
        tuple(dict.fromkeys(notes)),
        frozenset(prefix),
        LEGAL in tokens,
    )


def _segment_zh(text: str) -> list[tuple[str, tuple[tuple[str, ...], ...]]]:
    """Forward maximum matching against the vocabulary; unknown runs become proper-name pieces."""
    pieces: list[tuple[str, tuple[tuple[str, ...], ...]]] = []
    run, i = "", 0
    while i < len(text):
        word = next(
            (text[i : i + n] for n in range(min(ZH_MAX, len(text) - i), 0, -1) if text[i : i + n] in ZH_ORG),
            "",
        )
        if not word:
            run, i = run + text[i], i + 1
            continue
        if run.strip():
            pieces.append((run.strip(), ()))
        pieces.append((word, ZH_ORG[word]))
        run, i = "", i + len(word)
    if run.strip():
        pieces.append((run.strip(), ()))
    return pieces


_ZH_ABBREVIATIONS = {
    "中科院": "中国科学院",
    "科委": "科学技术委员会",
    "管委会": "管理委员会",
    "社科院": "社会科学院",
}


def _zh_forms(text: str, quals: list[str], hanzi_quals: list[str]) -> tuple[OrgForm, tuple[OrgForm, ...]]:
    """Hanzi form (for Chinese-Chinese) and pinyin forms (alternatives) of a Chinese org name."""
    for short, full in _ZH_ABBREVIATIONS.items():
        text = text.replace(short, full)
    text = re.sub(r"(?<!研究)所$", "研究所", text)
    pieces = _segment_zh(text)
    hanzi: list[str] = []
    choices: list[tuple[tuple[str, ...], ...]] = []
    for word, alts in pieces:
        if not alts:
            word = "".join(c for c in word.lower() if c.isalnum())
            if word:
                hanzi.append("^" + word)
                choices.append((("^" + run_pinyin(word),),))
            continue
        first = alts[0]
        hanzi.extend(("@" + word) if t[0] == "@" else ("^" + word) if t[0] == "^" else t for t in first)
        choices.append(alts)
    combos = list(product(*choices))[:16]
    latin = tuple(_tokens_to_form([t for part in combo for t in part], [], quals) for combo in combos)
    return _tokens_to_form(hanzi, [], hanzi_quals), latin


def _en_tokens(segment: str, notes: list[str]) -> list[str]:
    """Canonical marked tokens of one comma-separated English segment."""
    words = re.findall(r"[a-z0-9]+", segment.replace("'", "").replace("-", "").replace("&", " and "))
    tokens: list[str] = []
    for word in words:
        token, note = _read_word(word)
        tokens.extend([token] if token else [])
        notes.extend([note] if note else [])
    tokens = _apply_phrases(tokens)
    return [t if t[0] in "@^" or t in CONCEPTS else ("@" if t in PLACE_VALUES else "^") + t for t in tokens]


@lru_cache(maxsize=CACHE)
def _read_word(word: str) -> tuple[str, str]:
    """Canonical token of one English word ('' drops it) and a note when a table or spelling fix was used."""
    if word in EN_WORDS:
        return EN_WORDS[word], ""
    if word in ROMANISATIONS:
        return ROMANISATIONS[word], f"'{word}' is an old romanisation of {ROMANISATIONS[word]}"
    if word in _BRANDS:
        return _BRANDS[word], f"'{word}' is the English brand of {_BRANDS[word]}"
    if word in CONCEPTS or word in _EN_NAMES or word in PLACE_VALUES or len(word) < 6 or syllabify(word):
        return _EN_NAMES.get(word, word), ""
    found = extractOne(word, _SPELLCHECK, scorer=ratio, score_cutoff=85)
    if found is None or found[0] == word:
        return word, ""
    token, note = _read_word(found[0])
    return token, f"'{word}' read as misspelt '{found[0]}'" + (f"; {note}" if note else "")


def _apply_phrases(tokens: list[str]) -> list[str]:
    """Rewrite multi-word phrases (Chinese Academy of Sciences -> cas), longest first."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for size in (3, 2, 1):
            key = tuple(tokens[i : i + size])
            if len(key) == size and key in _EN_PHRASES:
                out.extend(_EN_PHRASES[key])
                i += size
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


def _en_form(text: str, quals: list[str]) -> OrgForm:
    """English or pinyin org name -> form; trailing address segments (', Beijing 100084, China') set aside."""
    notes: list[str] = []
    segments = [_en_tokens(s, notes) for s in re.split(r"[,;]", strip_accents(text).lower())]
    address: set[str] = set()
    while len(segments) > 1 and all(t[0] == "@" for t in segments[-1] if not t[1:].isdigit()):
        address.update(t[1:] for t in segments.pop() if t[0] == "@")
    return _tokens_to_form([t for s in segments for t in s], notes, quals, frozenset(address))


@lru_cache(maxsize=CACHE)
def qualifier_key(text: str, hanzi: bool = False) -> str:
    """Canonical reading of a parenthesised qualifier: （深圳） and (Shenzhen) both give 'shenzhen'."""
    if has_cjk(text):
        forms = _zh_forms(text, [], [])
        form = forms[0] if hanzi else forms[1][0]
    else:
        form = _en_form(text, [])
    return " ".join([*form.core, *sorted(form.concepts)])


@lru_cache(maxsize=CACHE)
def parse_org(name: str) -> OrgName | None:
    """Parse one organization name; None for blank names."""
    text, quals = _split_qualifiers(fold(name))
    qkeys = [k for k in (qualifier_key(q) for q in quals) if k]
    if not text:
        return None
    if not has_cjk(text):
        form = _en_form(text, qkeys)
        return OrgName(name, False, None, (form,)) if form.core or form.concepts else None
    hanzi, latin = _zh_forms(text, qkeys, [k for k in (qualifier_key(q, True) for q in quals) if k])
    if not hanzi.core and not hanzi.concepts:
        return None
    if text in KNOWN_ORGS:
        latin = tuple(_en_form(en, qkeys) for en in KNOWN_ORGS[text])
    return OrgName(name, True, hanzi, latin, known=text in KNOWN_ORGS)


# ---------------------------------------------------------------- persons

# fmt: off
COMPOUND_SURNAMES = frozenset(_words(
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 令狐 长孙 宇文 司徒 夏侯 轩辕 端木 独孤 南宫 西门 万俟 "
    "闻人 澹台 公冶 太史 申屠 钟离 呼延 百里 东郭 单于"))
SURNAME_PINYIN = {
    "曾": "zeng", "单": "shan", "解": "xie", "仇": "qiu", "区": "ou", "朴": "piao", "查": "zha", "乐": "yue",
    "盖": "ge", "覃": "qin", "秘": "bi", "缪": "miao", "翟": "zhai", "召": "shao", "种": "chong", "华": "hua",
    "任": "ren", "长孙": "zhangsun", "尉迟": "yuchi", "万俟": "moqi", "单于": "chanyu", "员": "yun",
    "阚": "kan",
    "谌": "chen", "繁": "po", "燕": "yan", "那": "na", "冼": "xian", "过": "guo", "纪": "ji", "贾": "jia",
    "沈": "shen", "重": "chong", "宿": "su", "句": "gou", "蕃": "pi", "折": "she", "黑": "he", "隗": "wei",
}
# Wade-Giles and Cantonese spellings of common surnames -> pinyin candidates.
SURNAME_ALIASES = {
    "chang": {"zhang", "chang"}, "cheung": {"zhang"}, "wong": {"wang", "huang"}, "lee": {"li"},
    "chan": {"chen"}, "hsu": {"xu"}, "tsai": {"cai"}, "choi": {"cai"}, "chou": {"zhou", "chou"},
    "chow": {"zhou"}, "kuo": {"guo"}, "kwok": {"guo"}, "ho": {"he"}, "tseng": {"zeng"}, "tsang": {"zeng"},
    "hsieh": {"xie"}, "tse": {"xie"}, "lo": {"luo"}, "law": {"luo"}, "ng": {"wu"}, "yeung": {"yang"},
    "leung": {"liang"}, "lau": {"liu"}, "hung": {"hong"}, "chiang": {"jiang"}, "chu": {"zhu", "chu"},
    "soong": {"song"}, "cheng": {"cheng", "zheng"}, "chung": {"zhong"}, "yu": {"yu"}, "teng": {"deng"},
    "tang": {"tang"}, "kao": {"gao"}, "ko": {"ke"}, "hsiao": {"xiao"}, "chiu": {"qiu"}, "yau": {"qiu"},
}
# fmt: on


@dataclass(frozen=True)
class PersonReading:
    """One way to read a person name: surname candidates, given name, its syllable initials."""

    surnames: frozenset[str]
    spelled: str
    given: str
    initials: str
    initials_only: bool
    given_alts: frozenset[str] = frozenset()
    surname_alias: bool = False


@dataclass(frozen=True)
class PersonName:
    """A parsed person name with all readings; hanzi is set for names written in Chinese."""

    raw: str
    hanzi: str
    readings: tuple[PersonReading, ...]


def _given_alternatives(chars: str) -> frozenset[str]:
    """Other readings of polyphonic given-name characters (at most 8 combinations)."""
    readings = [char_readings(c)[:3] for c in chars]
    return frozenset("".join(combo) for combo in list(product(*readings))[:8])


def _zh_person(chars: str) -> tuple[PersonReading, ...]:
    """Readings of a name in Chinese characters: compound surname aware, polyphonic surnames fixed."""
    if "·" in chars or "•" in chars:
        parts = [run_pinyin(p) for p in re.split("[·•]", chars) if p]
        return _latin_readings(parts, surname_first=None)
    size = 2 if len(chars) >= 3 and chars[:2] in COMPOUND_SURNAMES else 1
    sur, given = chars[:size], chars[size:]
    if not given:
        return ()  # a surname alone identifies nobody
    sur_py = SURNAME_PINYIN.get(sur) or "".join(char_pinyin(c) for c in sur)
    syllables = [char_pinyin(c) for c in given]
    initials = "".join(s[0] for s in syllables if s)
    return (
        PersonReading(
            frozenset({sur_py}), sur_py, "".join(syllables), initials, False, _given_alternatives(given)
        ),
    )


def _surname_set(word: str) -> tuple[frozenset[str], bool]:
    """Pinyin candidates of a romanised surname and whether an alias table was needed."""
    aliases = SURNAME_ALIASES.get(word)
    return (frozenset(aliases | {word}), True) if aliases else (frozenset({word}), False)


def _given_reading(parts: list[str]) -> tuple[str, str, bool]:
    """Given-name string, syllable initials and whether it is only initials ('x', 'm' -> 'xm')."""
    given, initials, only = "", "", True
    for part in parts:
        for piece in filter(None, part.split("-")):
            if len(piece) == 1:
                initials += piece
                continue
            only = False
            given += piece
            initials += "".join(s[0] for s in (syllabify(piece) or (piece,)))
    return ("" if only else given), initials, only


def _latin_readings(tokens: list[str], surname_first: bool | None) -> tuple[PersonReading, ...]:
    """Readings of tokens whose order is known (surname first / last) or ambiguous (None)."""
    full = [i for i, t in enumerate(tokens) if len(t.replace("-", "")) > 1]
    if not full:
        return ()
    positions = {True: [full[0]], False: [full[-1]], None: sorted({full[0], full[-1]})}[surname_first]
    readings = []
    for pos in positions:
        spelled = tokens[pos].replace("-", "")
        surnames, alias = _surname_set(spelled)
        given, initials, only = _given_reading(tokens[:pos] + tokens[pos + 1 :])
        if initials:
            alts = frozenset({given})
            readings.append(PersonReading(surnames, spelled, given, initials, only, alts, alias))
    return tuple(readings)


def _clean_latin(text: str) -> str:
    """Latin without accents (Lü -> Lu) or apostrophes, dots followed by a space so initials split."""
    return strip_accents(text).replace(".", ". ").replace("'", "")


_NAME_AFFIXES = frozenset(_words("jr sr ii iii iv dr prof phd md mr ms mrs"))


def _latin_person(text: str) -> tuple[PersonReading, ...]:
    """Readings of a romanised name: 'Zhang, W.', 'ZHANG Wei', 'Wei Zhang', 'Xiao-Ming Li', 'X. M. Li'."""
    text = _clean_latin(text)
    if "," in text:
        sur, _, given = text.partition(",")
        given_tokens = [t for t in given.split() if t.strip(".").lower() not in _NAME_AFFIXES]
        tokens = [_norm_roman(t.lower().strip(".")) for t in [sur.replace(" ", ""), *given_tokens]]
        return _latin_readings([t for t in tokens if t], surname_first=True)
    raw = [t for t in text.split() if t.strip(".-") and t.strip(".").lower() not in _NAME_AFFIXES]
    caps = [i for i, t in enumerate(raw) if len(t.strip(".-")) > 1 and t.isupper()]
    tokens = [_norm_roman(t.lower().strip(".")) for t in raw]
    if len(caps) == 1 and len(caps) < len(raw):
        tokens.insert(0, tokens.pop(caps[0]))
        return _latin_readings(tokens, surname_first=True)
    return _latin_readings(tokens, surname_first=None)


@lru_cache(maxsize=CACHE)
def parse_person(name: str) -> PersonName | None:
    """Parse one person name; None for blank or unreadable names."""
    text = fold(name)
    if not text:
        return None
    if has_cjk(text):
        hanzi = "".join(c for c in text if c.isalnum() or c in "·•")
        readings = _zh_person(hanzi)
    else:
        readings, hanzi = _latin_person(text), ""
    return PersonName(name, hanzi, readings) if readings else None
