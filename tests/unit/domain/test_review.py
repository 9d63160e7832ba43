"""The review arithmetic: weighted totals, the three aggregation rules, leave-one-out outliers, ranking."""

from __future__ import annotations

import math
import statistics

import pytest

from kechuang.domain.conflicts import ConflictKind, ConflictOfInterest, ConflictOfInterestError, describe
from kechuang.domain.errors import Conflict, http_status
from kechuang.domain.review import (
    AggregationRule,
    ReviewScores,
    aggregate,
    aggregate_application,
    check_score,
    outliers,
    rank,
    weighted_total,
)

WEIGHTS = {"technical": 0.5, "team": 0.3, "budget": 0.2}


def test_weighted_total_is_the_weighted_mean_of_the_criteria() -> None:
    assert weighted_total({"technical": 8, "team": 6, "budget": 10}, WEIGHTS) == pytest.approx(7.8)
    assert weighted_total({"technical": 0, "team": 0, "budget": 0}, WEIGHTS) == 0
    assert weighted_total({"technical": 10, "team": 10, "budget": 10}, WEIGHTS) == 10


@pytest.mark.parametrize(
    ("scores", "message"),
    [
        ({"technical": 8, "team": 6}, "not scored: budget"),
        ({"technical": 8, "team": 6, "budget": 5, "price": 3}, "not criteria of this call: price"),
        ({"technical": 11, "team": 6, "budget": 5}, "from 0 to 10"),
        ({"technical": -0.5, "team": 6, "budget": 5}, "from 0 to 10"),
        ({"technical": math.nan, "team": 6, "budget": 5}, "from 0 to 10"),
        ({"technical": True, "team": 6, "budget": 5}, "must be a number"),
    ],
)
def test_a_review_must_score_every_criterion_once_within_0_to_10(scores: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        weighted_total(scores, WEIGHTS)


def test_weights_must_sum_to_one() -> None:
    with pytest.raises(ValueError, match="sum to 1"):
        weighted_total({"a": 5, "b": 5}, {"a": 0.5, "b": 0.6})
    with pytest.raises(ValueError, match="at least one"):
        weighted_total({}, {})


def test_check_score_accepts_ints_and_floats_on_the_bounds() -> None:
    assert check_score(0, "x") == 0.0
    assert check_score(10.0, "x") == 10.0
    with pytest.raises(ValueError):
        check_score("7", "x")


def test_the_three_rules_differ_where_they_should() -> None:
    values = [1.0, 6.0, 7.0, 8.0, 9.5]
    assert aggregate(values, "mean") == pytest.approx(statistics.fmean(values))
    assert aggregate(values, AggregationRule.MEDIAN) == 7.0
    # 20% of five is one review cut from each side: mean of 6, 7, 8
    assert aggregate(values, "trimmed_mean") == pytest.approx(7.0)
    # with fewer than five reviews the trimmed mean drops nothing
    assert aggregate([1.0, 6.0, 8.0], "trimmed_mean") == pytest.approx(5.0)
    assert aggregate([4.0, 6.0], "median") == 5.0
    with pytest.raises(ValueError):
        aggregate([], "mean")
    with pytest.raises(ValueError):
        aggregate([1.0], "mode")


def test_a_wild_review_is_flagged_against_the_others_only() -> None:
    # 2.0 lies far outside 7.8, 8.1, 8.0, 7.9 (mean 7.95, SD about 0.13, floored to 0.5): flagged
    assert outliers([7.8, 8.1, 2.0, 8.0, 7.9]) == [False, False, True, False, False]


def test_agreeing_reviewers_do_not_make_a_small_difference_an_outlier() -> None:
    # others agree exactly: the 0.5-point floor on the spread keeps a 1-point difference in
    assert outliers([7.0, 7.0, 8.0]) == [False, False, False]
    assert outliers([7.0, 7.0, 8.5]) == [False, False, True]


def test_outliers_need_three_reviews() -> None:
    assert outliers([1.0, 9.0]) == [False, False]
    assert outliers([]) == []


def test_spread_out_panels_flag_nobody() -> None:
    assert not any(outliers([3.0, 5.0, 7.0, 9.0]))


def test_an_application_aggregates_totals_and_each_criterion_by_the_same_rule() -> None:
    reviews = [
        ReviewScores(11, {"technical": 8, "team": 7, "budget": 9}),
        ReviewScores(12, {"technical": 9, "team": 8, "budget": 8}),
        ReviewScores(13, {"technical": 8, "team": 8, "budget": 8}),
        ReviewScores(14, {"technical": 1, "team": 2, "budget": 1}),
    ]
    result = aggregate_application(5, reviews, WEIGHTS, "median")
    totals = [8.0 * 0.5 + 7 * 0.3 + 9 * 0.2, 9 * 0.5 + 8 * 0.3 + 8 * 0.2, 8.0, 0.5 + 0.6 + 0.2]
    assert list(result.totals.values()) == pytest.approx(totals)
    assert result.score == pytest.approx(statistics.median(totals))
    assert result.criteria == {"technical": 8.0, "team": 7.5, "budget": 8.0}
    assert result.outlier_review_ids == (14,)
    assert result.reviews == 4


def test_ranking_is_by_score_with_shared_ranks_for_ties() -> None:
    def scored(app: int, score: float):
        return aggregate_application(app, [ReviewScores(app, {"q": score})], {"q": 1.0})

    ranked = rank([scored(3, 6.0), scored(1, 9.0), scored(2, 6.0), scored(4, 2.5)])
    assert [(position, r.application_id) for position, r in ranked] == [(1, 1), (2, 2), (2, 3), (4, 4)]


def test_a_conflict_is_plain_data_with_a_known_kind() -> None:
    conflict = ConflictOfInterest("coauthorship", "co-authored X", ({"record": "achievement", "id": 1},))
    assert conflict.as_dict()["evidence"] == [{"record": "achievement", "id": 1}]
    assert ConflictKind("coauthorship").label("en") == "Co-author with a team member"
    with pytest.raises(ValueError):
        ConflictOfInterest("friendship", "we play golf")
    error = ConflictOfInterestError(describe([conflict, conflict]), [conflict])
    assert isinstance(error, Conflict) and http_status(error) == 409
    assert error.code == "conflict_of_interest" and error.message == "co-authored X; co-authored X"
