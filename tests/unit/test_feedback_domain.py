"""The freshness rule and the funnel's periods, as plain functions."""

from datetime import date, datetime

from kechuang.domain.feedback import Freshness, period_of


def test_expiry_of_achievements_and_demands():
    rule = Freshness(stale_months=12)
    made = datetime(2025, 3, 31, 9, 0)
    assert rule.expires_on("achievement", created_at=made) == date(2026, 3, 31)
    assert rule.expires_on("achievement", created_at=made, confirmed_at=datetime(2026, 1, 5)) == date(2027, 1, 5)
    assert rule.expires_on("achievement") is None
    assert rule.expires_on("demand", deadline=date(2026, 9, 30)) == date(2026, 9, 30)
    assert rule.expires_on("demand", deadline=date(2026, 9, 30), confirmed_at=datetime(2026, 9, 1)) == date(2027, 9, 1)
    assert rule.expires_on("demand", deadline=date(2028, 1, 1), confirmed_at=datetime(2026, 9, 1)) == date(2028, 1, 1)
    assert rule.expires_on("demand", confirmed_at=datetime(2026, 9, 1)) is None  # no deadline: never
    assert Freshness(6).cutoff(date(2026, 12, 6)) == datetime(2026, 6, 6)


def test_periods():
    day = date(2026, 11, 3)
    assert (period_of(day, "month"), period_of(day, "quarter"), period_of(day, "year")) == ("2026-11", "2026-Q4", "2026")
