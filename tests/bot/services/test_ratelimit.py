"""The sliding-window limiter: windows slide, several limits combine, memory stays bounded."""

import pytest

from bot.errors import RateLimitedError
from bot.services.ratelimit import Limit, RateLimiter
from tests.support.services import Ticker

PER_MINUTE = (Limit(3, 60.0),)


def test_the_window_slides() -> None:
    clock = Ticker(1000.0)
    limiter = RateLimiter(clock=clock)
    for step in (0.0, 10.0, 20.0):
        clock.t += step
        limiter.acquire("alice", "registration", PER_MINUTE)
    clock.t += 5  # 35 s after the first of three
    with pytest.raises(RateLimitedError) as caught:
        limiter.acquire("alice", "registration", PER_MINUTE)
    assert caught.value.action == "registration"
    assert caught.value.retry_after == pytest.approx(25.0)
    clock.t += 25  # the first use slides out of the window
    limiter.acquire("alice", "registration", PER_MINUTE)
    with pytest.raises(RateLimitedError) as again:
        limiter.acquire("alice", "registration", PER_MINUTE)
    assert again.value.retry_after == pytest.approx(10.0)  # now the second use is the oldest


def test_a_refused_attempt_is_not_counted_and_keys_are_separate() -> None:
    clock = Ticker(1000.0)
    limiter = RateLimiter(clock=clock)
    for _ in range(3):
        limiter.acquire("alice", "registration", PER_MINUTE)
    for _ in range(5):
        with pytest.raises(RateLimitedError):
            limiter.acquire("alice", "registration", PER_MINUTE)
    limiter.acquire("bob", "registration", PER_MINUTE)
    clock.t += 60
    limiter.acquire("alice", "registration", PER_MINUTE)  # refusals did not push the window on


def test_the_longer_window_decides_when_it_is_fuller() -> None:
    clock = Ticker(1000.0)
    limiter = RateLimiter(clock=clock)
    limits = (Limit(2, 60.0), Limit(3, 3600.0))
    for _ in range(2):
        limiter.acquire("alice", "registration", limits)
    clock.t += 60
    limiter.acquire("alice", "registration", limits)
    clock.t += 60
    with pytest.raises(RateLimitedError) as caught:
        limiter.acquire("alice", "registration", limits)
    assert caught.value.retry_after == pytest.approx(3600.0 - 120.0)


def test_a_zero_count_turns_a_window_off() -> None:
    limiter = RateLimiter(clock=Ticker(1000.0))
    for _ in range(50):
        limiter.acquire("alice", "registration", (Limit(0, 60.0),))
    assert len(limiter) == 0


def test_idle_keys_are_evicted_and_the_key_count_is_capped() -> None:
    clock = Ticker(1000.0)
    limiter = RateLimiter(clock=clock, max_keys=3)
    for name in ("a", "b", "c", "d"):
        limiter.acquire(name, "registration", PER_MINUTE)
    assert len(limiter) == 3  # "a", least recently used, made room for "d"
    clock.t += 60
    limiter.acquire("e", "registration", PER_MINUTE)
    assert len(limiter) == 1  # the others were idle for a whole window


def test_max_keys_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_keys"):
        RateLimiter(max_keys=0)
