"""Write the sample's year of registered technology contracts (src/kechuang/sample/contracts.jsonl).

Synthetic but shaped like Beijing's register: sellers are the sample's universities, institutes and
enterprises; buyers are sample organizations plus buyers in other provinces and abroad; the mix of
flows, types and amounts follows the published pattern (most value stays in Beijing or flows to other
provinces; Tianjin-Hebei a sixth; a few percent abroad). Seeded: rerunning gives the same file.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "src" / "kechuang" / "sample"
YEAR = 2025
COUNT = 480
TYPES = [
    ("development", 0.30),
    ("transfer", 0.12),
    ("license", 0.08),
    ("consulting", 0.12),
    ("service", 0.38),
]
FLOWS = [
    ("within_beijing", 0.42),
    ("to_tianjin_hebei", 0.14),
    ("to_other_provinces", 0.28),
    ("to_abroad", 0.05),
    ("inflow_domestic", 0.09),
    ("inflow_abroad", 0.02),
]
OTHER_PROVINCES = [
    ("上海某智能制造有限公司", "310000"),
    ("深圳某新能源科技有限公司", "440000"),
    ("苏州某生物医药有限公司", "320000"),
    ("杭州某数字科技有限公司", "330000"),
    ("成都某航空装备有限公司", "510000"),
    ("武汉某光电子有限公司", "420000"),
    ("合肥某量子技术有限公司", "340000"),
    ("西安某半导体有限公司", "610000"),
]
ABROAD = [
    ("Rhein Automation GmbH", "DE"),
    ("Lion City Medtech Pte Ltd", "SG"),
    ("Kansai Materials K.K.", "JP"),
    ("Thames Bio Ltd", "GB"),
    ("Nordic Grid AB", "SE"),
]
DISCIPLINES = ["520", "510", "460", "480", "430", "410", "320", "310", "416", "540", "620", "150", "180"]
FIELDS = ["储能", "工业视觉", "生物医药", "新材料", "集成电路", "智能网联", "氢能"]
KIND_TITLES = {
    "development": "技术开发",
    "transfer": "专利转让",
    "license": "专利许可",
    "consulting": "技术咨询",
    "service": "技术服务",
}
INDUSTRIES = ["38", "39", "65", "27", "35", "44", "64", "73", "74", "36", "37", "26", "40"]


def pick(rng: random.Random, weighted: list[tuple[str, float]]) -> str:
    return rng.choices([k for k, _ in weighted], [w for _, w in weighted])[0]


def main() -> None:
    rng = random.Random(20251231)
    orgs = [json.loads(line) for line in (SAMPLE / "organizations.jsonl").read_text().splitlines() if line]
    orgs = [o for o in orgs if "dup" not in o["external_id"] and o.get("name_zh")]
    beijing_sellers = [
        o
        for o in orgs
        if o["region_code"].startswith("11")
        and o["kind"] in {"university", "institute", "enterprise", "tech_transfer", "hospital"}
    ]
    beijing_buyers = [o for o in orgs if o["region_code"].startswith("11") and o["kind"] == "enterprise"]
    jinji_buyers = [o for o in orgs if o["region_code"][:2] in {"12", "13"} and o["kind"] == "enterprise"]
    other_sellers = [("上海某研究院", "310000"), ("南京某大学", "320000"), ("广州某研究所", "440000")]
    abroad_sellers = [
        ("University of Wessex", "GB"),
        ("Rhine-Main Institute for Production Technology", "DE"),
    ]
    rows = []
    for i in range(1, COUNT + 1):
        flow = pick(rng, FLOWS)
        kind = pick(rng, TYPES)
        seller = rng.choice(beijing_sellers)
        s_name, s_region, s_country = seller["name_zh"], seller["region_code"], "CN"
        if flow == "within_beijing":
            buyer = rng.choice(beijing_buyers)
            b_name, b_region, b_country = buyer["name_zh"], buyer["region_code"], "CN"
        elif flow == "to_tianjin_hebei":
            buyer = rng.choice(jinji_buyers)
            b_name, b_region, b_country = buyer["name_zh"], buyer["region_code"], "CN"
        elif flow == "to_other_provinces":
            b_name, b_region = rng.choice(OTHER_PROVINCES)
            b_country = "CN"
        elif flow == "to_abroad":
            b_name, b_country = rng.choice(ABROAD)
            b_region = ""
        else:
            buyer = rng.choice(beijing_buyers)
            b_name, b_region, b_country = buyer["name_zh"], buyer["region_code"], "CN"
            if flow == "inflow_domestic":
                s_name, s_region = rng.choice(other_sellers)
                s_country = "CN"
            else:
                s_name, s_country = rng.choice(abroad_sellers)
                s_region = ""
        amount = round(min(rng.lognormvariate(13.2, 1.1), 80_000_000), -3)
        share = 1.0 if kind in {"transfer", "license"} else rng.uniform(0.55, 0.95)
        registered = date(YEAR, 1, 1) + timedelta(days=rng.randrange(365))
        signed = registered - timedelta(days=rng.randrange(5, 40))
        region_for_number = (s_region or "110000")[:6]
        rows.append(
            {
                "external_id": f"sample-contract-{YEAR}-{i:04d}",
                "registration_number": f"{YEAR}{region_for_number}{i:06d}",
                "contract_type": kind,
                "title": rng.choice(FIELDS) + KIND_TITLES[kind] + "合同",
                "seller_name": s_name,
                "buyer_name": b_name,
                "seller_region_code": s_region,
                "buyer_region_code": b_region,
                "seller_country_code": s_country,
                "buyer_country_code": b_country,
                "contract_amount": amount,
                "transaction_amount": round(amount * share, -2),
                "signed_on": signed.isoformat(),
                "registered_on": registered.isoformat(),
                "discipline_codes": [rng.choice(DISCIPLINES)],
                "industry_codes": [rng.choice(INDUSTRIES)],
            }
        )
    out = SAMPLE / "contracts.jsonl"
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"wrote {len(rows)} contracts to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
