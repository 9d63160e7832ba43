"""Write the judged demand→expert set (eval/sample-demand-expert) from the built-in sample.

Queries are the sample's demands (as in eval/sample-demand-achievement); the corpus is the sample's people,
each described by the titles of the achievements they authored and the projects they lead. The judgments
are derived from the judged demand→achievement set, which the sample's authors wrote by hand: a person's
grade for a demand is the best grade of the achievements they authored for it (2 = one of their achievements
answers the demand, 1 = one is related). Two rules of the product are judgments too: the demand owner's own
people (primary organization or current affiliation) are never a match, so they are left unjudged as
relevant (grade 0 is not written: BEIR treats absent pairs as not relevant). People whose only evidence is a
funded project are not judged relevant (projects carry no hand judgments); see README.md.

    python eval/make_demand_expert_set.py
"""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from pathlib import Path

from make_sample_set import joined, rows

ROOT = Path(__file__).resolve().parents[1]
ACHIEVEMENT_SET = ROOT / "eval" / "sample-demand-achievement"
OUT = ROOT / "eval" / "sample-demand-expert"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    demands = {d["external_id"]: d for d in rows("demands.jsonl")}
    people = {p["external_id"]: p for p in rows("people.jsonl")}
    achievements = {a["external_id"]: a for a in rows("achievements.jsonl")}
    authors: dict[str, set[str]] = defaultdict(set)
    works: dict[str, list[str]] = defaultdict(list)
    for row in rows("authorships.jsonl"):
        authors[row["achievement"]].add(row["person"])
        works[row["person"]].append(row["achievement"])
    led: dict[str, list[str]] = defaultdict(list)
    for project in rows("projects.jsonl"):
        if project.get("pi_person"):
            led[project["pi_person"]].append(joined(project, "title_zh", "title_en"))
    own: dict[str, set[str]] = defaultdict(set)  # organization -> its people
    for person in people.values():
        if person.get("organization"):
            own[person["organization"]].add(person["external_id"])
    for row in rows("affiliations.jsonl"):
        if row.get("end_year") is None:
            own[row["organization"]].add(row["person"])

    with (OUT / "corpus.jsonl").open("w", encoding="utf-8") as corpus:
        for key, person in people.items():
            if person.get("visibility") == "confidential":
                continue
            titles = [
                joined(achievements[a], "title_zh", "title_en") for a in works[key] if a in achievements
            ]
            doc = {
                "_id": key,
                "title": joined(person, "name_zh", "name_en"),
                "text": " ".join(titles + led[key]),
            }
            corpus.write(json.dumps(doc, ensure_ascii=False) + "\n")
    shutil.copyfile(ACHIEVEMENT_SET / "queries.jsonl", OUT / "queries.jsonl")

    grades: dict[tuple[str, str], int] = {}
    lines = (ACHIEVEMENT_SET / "qrels.tsv").read_text(encoding="utf-8").splitlines()[1:]
    for line in lines:
        demand, achievement, grade = line.split("\t")
        owner = demands[demand].get("owner_org")
        for person in authors.get(achievement, ()):
            if person in own.get(owner, set()) or person not in people:
                continue
            grades[demand, person] = max(grades.get((demand, person), 0), int(grade))
    with (OUT / "qrels.tsv").open("w", encoding="utf-8") as qrels:
        qrels.write("query-id\tcorpus-id\tscore\n")
        for (demand, person), grade in sorted(grades.items()):
            qrels.write(f"{demand}\t{person}\t{grade}\n")
    print(f"{len(grades)} judgments over {len({d for d, _ in grades})} demands, {len(people)} people")


if __name__ == "__main__":
    main()
