"""The sliding-window attempt throttle: per address, per account, Retry-After, memory kept bounded."""

from __future__ import annotations

import pytest

from kechuang.domain.errors import TooManyRequests
from kechuang.services.throttle import AttemptThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_window_slides_and_says_when_to_retry():
    clock = Clock()
    throttle = AttemptThrottle(per_address=100, per_account=3, window=60, clock=clock)
    for second in (0, 10, 20):
        clock.now = 1000 + second
        throttle.attempt("10.0.0.1", "alice")
    clock.now = 1030
    with pytest.raises(TooManyRequests) as refused:
        throttle.attempt("10.0.0.2", "Alice ")
    assert refused.value.retry_after == 30 and refused.value.code == "rate_limited"
    clock.now = 1060.5  # the first attempt has left the window
    throttle.attempt("10.0.0.2", "alice")
    with pytest.raises(TooManyRequests):
        throttle.attempt("10.0.0.2", "alice")


def test_one_address_is_limited_over_all_accounts_and_refusals_are_not_counted():
    clock = Clock()
    throttle = AttemptThrottle(per_address=2, per_account=100, window=60, clock=clock)
    throttle.attempt("10.0.0.1", "a")
    throttle.attempt("10.0.0.1", "b")
    for _ in range(5):
        with pytest.raises(TooManyRequests):
            throttle.attempt("10.0.0.1", "c")
    throttle.attempt("10.0.0.9", "c")  # another address, and account c was never counted
    clock.now += 61
    throttle.attempt("10.0.0.1", "c")


def test_idle_keys_are_forgotten():
    clock = Clock()
    throttle = AttemptThrottle(per_address=10_000, per_account=10, window=60, clock=clock)
    for i in range(1000):
        throttle.attempt("10.0.0.1" if i % 2 else "10.0.0.2", f"made-up-{i}")
        clock.now += 0.5
    clock.now += 120
    throttle.attempt("10.0.0.3", "real")
    assert len(throttle._by_account._events) == 1 and len(throttle._by_address._events) == 1
