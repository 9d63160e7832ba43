"""Registry keywords and code-table names become words of the segmenter, persisted with the indexes."""

from __future__ import annotations

from kechuang.services.match_index import DomainDictionary, MatchIndexes
from kechuang.services.registry import create_record


def test_code_table_names_and_added_terms_are_kept_whole(tmp_path):
    words = DomainDictionary(tmp_path / "dictionary.txt")
    assert len(words) > 1000  # discipline and industry names
    assert "钙钛矿叠层" not in words.tokens("钙钛矿叠层电池量产")
    assert words.add(["钙钛矿叠层", "x", "钙钛矿叠层", "超长的一个短语而不是关键词的一种写法"]) == 1
    tokens = words.tokens("鈣鈦礦疊層电池量产")  # traditional script is normalised first
    assert "钙钛矿叠层" in tokens and "钙钛矿" in tokens  # the whole term and its parts
    again = DomainDictionary(tmp_path / "dictionary.txt")
    assert "钙钛矿叠层" in again.tokens("钙钛矿叠层电池")


def test_keywords_of_indexed_records_reach_queries(uow, admin, tmp_path):
    org = create_record(admin, "organization", {"name_zh": "某研究院", "kind": "institute"}, uow)
    create_record(admin, "achievement", {
        "title_zh": "钙钛矿叠层电池量产工艺", "keywords_zh": ["钙钛矿叠层"], "owner_org_id": org.id}, uow)
    indexes = MatchIndexes(tmp_path / "index", "none")
    index = indexes.get("achievement", uow)
    assert "钙钛矿叠层" in index.lexical.tokenize("寻找钙钛矿叠层组件技术")
    assert "钙钛矿叠层" in (tmp_path / "index" / "dictionary.txt").read_text(encoding="utf-8")
