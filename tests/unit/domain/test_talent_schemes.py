"""Scheme rules: weights sum to 1, known dimensions only, and the 破四唯 cap on counts."""

import pytest

from kechuang.domain.errors import Conflict, InvalidFields
from kechuang.domain.talent import (
    DEFAULT_SCHEMES,
    ContestStatus,
    Weight,
    capped_share,
    career_cohort,
    check_contest_transition,
    check_weights,
    title_rank,
)


def weights(**pairs: float) -> list[Weight]:
    return [Weight(code, weight) for code, weight in pairs.items()]


def test_paper_counts_at_thirty_percent_are_refused_with_the_reason():
    with pytest.raises(InvalidFields) as refused:
        check_weights(weights(paper_count=0.30, patents=0.40, transfer=0.30))
    assert refused.value.field == "weights"
    assert "30%" in refused.value.message and "10%" in refused.value.message
    assert "paper_count" in refused.value.message


def test_paper_count_and_title_together_are_capped_not_each():
    with pytest.raises(InvalidFields):
        check_weights(weights(paper_count=0.06, title=0.06, patents=0.88))
    assert check_weights(weights(paper_count=0.05, title=0.05, patents=0.90))


def test_a_lower_cap_of_the_scheme_is_enforced_and_a_higher_one_refused():
    with pytest.raises(InvalidFields):
        check_weights(weights(paper_count=0.05, patents=0.95), count_cap=0.0)
    with pytest.raises(InvalidFields) as refused:
        check_weights(weights(patents=1.0), count_cap=0.3)
    assert refused.value.field == "count_cap"


@pytest.mark.parametrize(
    "bad, field",
    [
        (weights(patents=0.5, transfer=0.4), "weights"),
        (weights(patents=1.2, transfer=-0.2), "weights"),
        (weights(h_index=1.0), "dimensions"),
        ([Weight("patents", 0.5), Weight("patents", 0.5)], "dimensions"),
        ([], "dimensions"),
        (weights(patents=float("nan"), transfer=1.0), "weights"),
    ],
)
def test_malformed_schemes_name_the_field(bad, field):
    with pytest.raises(InvalidFields) as refused:
        check_weights(bad)
    assert field in refused.value.problems


def test_every_default_scheme_passes_its_own_rules():
    for spec in DEFAULT_SCHEMES:
        accepted = check_weights(weights(**spec["weights"]))
        assert abs(sum(w.weight for w in accepted) - 1) < 1e-9
        assert capped_share(accepted) <= 0.10 + 1e-9


def test_contests_resolve_once():
    check_contest_transition(ContestStatus.OPEN, ContestStatus.UPHELD)
    with pytest.raises(Conflict):
        check_contest_transition(ContestStatus.REJECTED, ContestStatus.UPHELD)
    with pytest.raises(Conflict):
        check_contest_transition(ContestStatus.OPEN, ContestStatus.OPEN)


def test_cohorts_and_title_ranks():
    assert [career_cohort(a) for a in (None, 0, 5, 6, 10, 11, 20, 21)] == [
        "unknown",
        "0-5",
        "0-5",
        "6-10",
        "6-10",
        "11-20",
        "11-20",
        "21+",
    ]
    assert title_rank("副教授") == 2 and title_rank("教授") == 3 and title_rank("研究员") == 3
    assert (
        title_rank("助理研究员") == 1 and title_rank("") == 0 and title_rank("", "Associate Professor") == 2
    )
