"""Bilingual column headers of import files and templates, keyed by domain field name."""

from __future__ import annotations

STEMS: dict[str, tuple[str, str]] = {
    "registration_number": ("登记编号", "Registration number"),
    "contract_type": ("合同类型", "Contract type"),
    "contract_subtype": ("合同子类", "Contract sub-type"),
    "tech_field": ("技术领域", "Technical field"),
    "seller_kind": ("卖方类型", "Seller kind"),
    "buyer_kind": ("买方类型", "Buyer kind"),
    "materials_amount": ("物资费用（元）", "Materials and equipment (yuan)"),
    "other_non_technical_amount": ("其他非技术性费用（元）", "Other non-technical part (yuan)"),
    "vat_exempt": ("免征增值税资格", "VAT exemption eligible"),
    "income_tax_relief": ("所得税减免资格", "Income-tax relief eligible"),
    "seller_name": ("卖方名称", "Seller"),
    "buyer_name": ("买方名称", "Buyer"),
    "seller_region_code": ("卖方地区代码", "Seller region code"),
    "buyer_region_code": ("买方地区代码", "Buyer region code"),
    "seller_country_code": ("卖方国家代码", "Seller country code"),
    "buyer_country_code": ("买方国家代码", "Buyer country code"),
    "contract_amount": ("合同金额（元）", "Contract amount (yuan)"),
    "transaction_amount": ("技术交易额（元）", "Technology transaction amount (yuan)"),
    "signed_on": ("签订日期", "Signed on"),
    "registered_on": ("登记日期", "Registered on"),
    "external_id": ("外部编号", "External ID"),
    "visibility": ("可见范围", "Visibility"),
    "owner_org": ("所属机构编号", "Owner organization ID"),
    "organization": ("机构编号", "Organization ID"),
    "person": ("人员编号", "Person ID"),
    "achievement": ("成果编号", "Achievement ID"),
    "host_org": ("依托单位编号", "Host organization ID"),
    "pi_person": ("负责人编号", "Principal investigator ID"),
    "name": ("名称", "Name"),
    "aliases": ("别名", "Aliases"),
    "kind": ("类型", "Type"),
    "region_code": ("行政区划代码", "Region code"),
    "country_code": ("国家代码", "Country code"),
    "credit_code": ("统一社会信用代码", "Unified social credit code"),
    "website": ("网址", "Website"),
    "description": ("描述", "Description"),
    "discipline_codes": ("学科代码", "Discipline codes"),
    "industry_codes": ("行业代码", "Industry codes"),
    "founded_year": ("成立年份", "Year founded"),
    "title": ("标题", "Title"),
    "email": ("电子邮箱", "Email"),
    "orcid": ("ORCID", "ORCID"),
    "birth_year": ("出生年份", "Birth year"),
    "keywords": ("关键词", "Keywords"),
    "bio": ("简介", "Biography"),
    "abstract": ("摘要", "Abstract"),
    "trl": ("技术成熟度", "TRL"),
    "ip_status": ("知识产权状态", "IP status"),
    "patent_numbers": ("专利号", "Patent numbers"),
    "transfer_modes": ("转化方式", "Transfer modes"),
    "asking_price_min": ("最低报价（万元）", "Asking price min (10k CNY)"),
    "asking_price_max": ("最高报价（万元）", "Asking price max (10k CNY)"),
    "year": ("年份", "Year"),
    "status": ("状态", "Status"),
    "budget_min": ("最低预算（万元）", "Budget min (10k CNY)"),
    "budget_max": ("最高预算（万元）", "Budget max (10k CNY)"),
    "deadline": ("截止日期", "Deadline"),
    "required_trl": ("要求技术成熟度", "Required TRL"),
    "cooperation_modes": ("合作方式", "Cooperation modes"),
    "preferred_regions": ("优先地区", "Preferred regions"),
    "budget": ("预算（万元）", "Budget (10k CNY)"),
    "starts_on": ("开始日期", "Start date"),
    "ends_on": ("结束日期", "End date"),
    "thesis": ("投资方向", "Investment thesis"),
    "stages": ("投资阶段", "Stages"),
    "ticket_min": ("单笔最低（万元）", "Ticket min (10k CNY)"),
    "ticket_max": ("单笔最高（万元）", "Ticket max (10k CNY)"),
    "regions": ("投资地区", "Regions"),
    "funder": ("资助机构", "Funder"),
    "program": ("项目类别", "Program"),
    "amount": ("金额（万元）", "Amount (10k CNY)"),
    "start_date": ("开始日期", "Start date"),
    "end_date": ("结束日期", "End date"),
    "rating": ("结题评价", "Final rating"),
    "role": ("角色", "Role"),
    "start_year": ("开始年份", "Start year"),
    "end_year": ("结束年份", "End year"),
    "share": ("份额", "Share"),
    "position": ("署名位次", "Author position"),
}


# Where one stem means something else for one entity: a person's `title` is a job title, not a heading.
ENTITY_STEMS: dict[str, dict[str, tuple[str, str]]] = {
    "person": {"title": ("职称", "Job title"), "name": ("姓名", "Name")},
}


def header(field: str, lang: str, entity: str = "") -> str:
    """The column header of `field` in `lang` ('zh' or 'en'), with the text language as a suffix."""
    stem, _, suffix = field.rpartition("_") if field.endswith(("_zh", "_en")) else (field, "", "")
    fallback = STEMS.get(stem, (stem, stem.replace("_", " ").capitalize()))
    zh, en = ENTITY_STEMS.get(entity, {}).get(stem, fallback)
    if lang.startswith("zh"):
        return zh + {"zh": "（中文）", "en": "（英文）"}.get(suffix, "")
    return en + {"zh": " (Chinese)", "en": " (English)"}.get(suffix, "")
