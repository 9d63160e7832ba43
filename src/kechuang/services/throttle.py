"""Sliding-window limits on password attempts (sign-in, password change), per client address and account."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from kechuang.domain.errors import TooManyRequests


class SlidingWindow:
    """At most `limit` events per key in any `window` seconds; not thread-safe on its own."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._events: dict[str, deque[float]] = {}

    def wait(self, key: str, at: float) -> float:
        """Seconds until `key` may have another event; 0 when it may now."""
        events = self._events.get(key)
        if events is None:
            return 0.0
        while events and events[0] <= at - self.window:
            events.popleft()
        if not events:
            del self._events[key]
            return 0.0
        return events[0] + self.window - at if len(events) >= self.limit else 0.0

    def add(self, key: str, at: float) -> None:
        self._events.setdefault(key, deque()).append(at)

    def forget_idle(self, at: float) -> None:
        """Drop keys with no event in the window: a flood of made-up usernames must not grow memory."""
        for key in [k for k, events in self._events.items() if events[-1] <= at - self.window]:
            del self._events[key]


class AttemptThrottle:
    """Counts password attempts in this process and refuses those beyond either limit with a 429.

    It sits in front of the database lockout: the lockout protects one account across processes, this
    stops one address from spraying guesses over many accounts and keeps floods off the password hasher.
    """

    def __init__(
        self,
        *,
        per_address: int,
        per_account: int,
        window: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._by_address = SlidingWindow(per_address, window)
        self._by_account = SlidingWindow(per_account, window)
        self._window = window
        self._clock = clock
        self._lock = threading.Lock()
        self._swept = clock()

    def attempt(self, address: str, account: str) -> None:
        """Count one attempt on `account` from `address`, or refuse it (uncounted) with TooManyRequests."""
        at = self._clock()
        account = account.strip().lower()
        with self._lock:
            if at - self._swept > self._window:
                self._by_address.forget_idle(at)
                self._by_account.forget_idle(at)
                self._swept = at
            wait = max(self._by_address.wait(address, at), self._by_account.wait(account, at))
            if wait > 0:
                seconds = max(1, math.ceil(wait))
                message = f"too many attempts; try again in {seconds} seconds"
                raise TooManyRequests(message, retry_after=seconds)
            self._by_address.add(address, at)
            self._by_account.add(account, at)
