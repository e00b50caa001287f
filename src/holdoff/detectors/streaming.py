"""The streaming detector: learns a series online, point by point, in constant memory and time.

For every point it predicts the value from what it has learned, measures how surprising the error is,
and turns a short run of surprise into a calibrated score (see ``docs/metrics-streaming.md``):

1. **Prediction.** A level (an exponentially weighted mean of the deseasonalised value, moved by
   clipped errors so a spike does not drag it) plus, when they predict better, a daily profile
   (24 hour-of-day buckets) or a weekly one (168 hour-of-week buckets) of the value around the level.
   Each candidate keeps its own mean absolute error; the one with the smallest error predicts. A
   profile is a candidate once the series covers two of its periods. Time is epoch seconds (UTC), so
   irregular sampling is fine; buckets learn at a rate set in periods, whatever the sampling interval.
2. **Surprise.** ``z = error / scale``, the scale being the candidate's error (clipped updates: one
   spike does not blind it). A two-sided CUSUM over ``z`` spots a **level shift**: when it passes its
   limit the level jumps to the recent mean, so the new level is learned in a few points and stops
   scoring.
3. **Likelihood** (Numenta's anomaly likelihood). A short average of ``|z|`` against the long-run
   distribution of that average: the Gaussian tail probability ``p`` of the short average. The score
   is ``log(p) / (2 log(significance))`` clipped to [0, 1]: **0.5 when p equals ``significance``**
   (10^-4 by default), 1 at its square. After a score at or above the threshold the next
   ``quiet_points`` scores are capped below it, so one event gives one alert.

While fewer than ``warmup_points`` points are seen the score is 0 and the series is warming up.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from holdoff.detectors.model import READY, Learning, Phase, Scored

DAY: Final = 86400.0
WEEK: Final = 7 * DAY
HOUR: Final = 3600.0
_SQRT2: Final = math.sqrt(2.0)
_SETTLE: Final = 20
"""Points before the surprise is measured (the error scale settles first)."""
_MODELS: Final = ("level", "daily profile", "weekly profile")


class StreamingConfig(BaseModel):
    """``{type: streaming}``: the defaults are one configuration for every series (measured on NAB)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: Literal["streaming"] = "streaming"
    name: str = Field(default="streaming", min_length=1, max_length=40, pattern=r"^[a-zA-Z0-9_.-]+$")
    warmup_points: int = Field(default=150, ge=2, description="Points before scores count (warming up).")
    level_points: float = Field(default=30.0, gt=1, description="Memory of the level, in points.")
    scale_points: float = Field(default=100.0, gt=1, description="Memory of the error scale, in points.")
    season_periods: float = Field(
        default=3.0, gt=0, description="Memory of the daily/weekly profiles, in periods (days, weeks)."
    )
    daily: bool = True
    weekly: bool = True
    shift_limit: float = Field(
        default=12.0, gt=0, description="CUSUM limit (in scales) that resets the level."
    )
    short_points: float = Field(default=6.0, ge=1, description="The short average of surprise, in points.")
    long_points: float = Field(
        default=1000.0, gt=1, description="The long-run distribution of it, in points."
    )
    significance: float = Field(
        default=1e-4, gt=0, lt=0.5, description="Tail probability scored 0.5 (the threshold)."
    )
    threshold: float = Field(default=0.5, gt=0, le=1, description="The score at which a point is anomalous.")
    quiet_points: int = Field(
        default=30, ge=0, description="Points after an anomaly whose scores are capped."
    )

    def build(self) -> StreamingDetector:
        return StreamingDetector(self)


class _State:
    """One series' learned state: a fixed number of floats and two fixed-size profiles."""

    __slots__ = (
        "band",
        "cusum_down",
        "cusum_up",
        "daily",
        "dt",
        "err0",
        "err1",
        "err2",
        "expected",
        "fast",
        "last_t",
        "level",
        "mean",
        "model",
        "n",
        "p",
        "quiet",
        "short",
        "t0",
        "var",
        "weekly",
        "z",
    )

    def __init__(self) -> None:
        self.n = 0
        self.t0 = 0.0
        self.last_t = 0.0
        self.dt = 0.0
        self.level = 0.0
        self.fast = 0.0
        self.err0 = 0.0
        self.err1 = 0.0
        self.err2 = 0.0
        self.daily = [0.0] * 24
        self.weekly = [0.0] * 168
        self.cusum_up = 0.0
        self.cusum_down = 0.0
        self.short = 0.0
        self.mean = 0.0
        self.var = 0.0
        self.quiet = 0
        # What the last point was measured against (for its reason).
        self.model = 0
        self.expected = 0.0
        self.band = 0.0
        self.z = 0.0
        self.p = 1.0


_FLOATS: Final = tuple(
    name for name in _State.__slots__ if name not in ("n", "quiet", "model", "daily", "weekly")
)


class StreamingDetector:
    """A :class:`~holdoff.detectors.model.SeriesDetector` (see the module's description)."""

    def __init__(self, config: StreamingConfig | None = None) -> None:
        self.config = config or StreamingConfig()
        self.name = self.config.name

    def new_state(self) -> _State:
        return _State()

    def score(self, state: _State, t: float, value: float) -> Scored:
        scores = self.score_many(state, (t,), (value,))
        return Scored(t, value, scores[0], self.learning(state), self._reason(state, value, scores[0]))

    def learning(self, state: _State) -> Learning:
        """Where the series stands: warming up (and for how long yet), ready, or low confidence."""
        config = self.config
        missing = config.warmup_points - state.n
        if missing > 0:
            seconds = missing * state.dt
            return Learning(
                Phase.WARMING_UP,
                missing_seconds=seconds,
                note=f"{state.n} of {config.warmup_points} points seen",
            )
        if state.dt > 0 and state.dt > DAY / 4:
            return Learning(Phase.LOW_CONFIDENCE, note="fewer than four points a day: no daily profile")
        return READY

    def _reason(self, state: _State, value: float, score: float) -> str:
        if state.n < self.config.warmup_points:
            return f"warming up: {state.n} of {self.config.warmup_points} points seen"
        low, high = state.expected - 3 * state.band, state.expected + 3 * state.band
        side = "above" if value > high else "below" if value < low else "inside"
        text = (
            f"value {value:.6g} {side} the {_MODELS[state.model]} band {low:.6g}..{high:.6g} "
            f"(z {state.z:+.1f}); recent surprise p={state.p:.2g}"
        )
        if state.quiet and score < self.config.threshold:
            text += f"; quiet for {state.quiet} more points after an anomaly"
        return text

    def score_many(self, state: _State, times: Sequence[float], values: Sequence[float]) -> list[float]:
        """Score points in order (times increasing): the same numbers as :meth:`score`, point by point."""
        c = self.config
        a_level = 1.0 / c.level_points
        a_scale = 1.0 / c.scale_points
        a_short = 2.0 / (c.short_points + 1.0)
        a_long = 1.0 / c.long_points
        log_sig2 = 2.0 * math.log(c.significance)
        limit = c.shift_limit
        warmup = c.warmup_points
        threshold = c.threshold
        cap = threshold * 0.5
        quiet_points = c.quiet_points
        season_periods = c.season_periods
        use_daily, use_weekly = c.daily, c.weekly
        erfc, log, sqrt = math.erfc, math.log, math.sqrt
        daily, weekly = state.daily, state.weekly
        n, t0, last_t, dt = state.n, state.t0, state.last_t, state.dt
        level, fast = state.level, state.fast
        err0, err1, err2 = state.err0, state.err1, state.err2
        up, down = state.cusum_up, state.cusum_down
        short, mean, var, quiet = state.short, state.mean, state.var, state.quiet
        model, expected, band, z, p = state.model, state.expected, state.band, state.z, state.p
        out: list[float] = []
        append = out.append
        for t, x in zip(times, values, strict=True):
            n += 1
            if n == 1:
                t0 = last_t = t
                level = fast = expected = x
                append(0.0)
                continue
            step = t - last_t
            last_t = t
            if step > 0:
                dt = step if dt == 0 else dt + 0.05 * (step - dt)
            hd = int(t % DAY // HOUR)
            hw = int(t % WEEK // HOUR)
            sd = daily[hd]
            sw = weekly[hw]
            e0 = x - level
            e1 = e0 - sd
            e2 = e0 - sw
            span = t - t0
            model, err, e, season = 0, err0, e0, 0.0
            if use_daily and span >= 2 * DAY and err1 < err:
                model, err, e, season = 1, err1, e1, sd
            if use_weekly and span >= 2 * WEEK and err2 < err:
                model, err, e, season = 2, err2, e2, sw
            expected = level + season
            floor = 1e-9 + 1e-6 * abs(level)
            band = 1.25 * err + floor
            z = e / band
            # Learn: clipped errors, so a spike moves neither the level nor the scales much. Early on
            # the rates are those of a plain average (1/n), so the first points do not linger.
            inv = 1.0 / (n - 1)
            clip = 4.0 * band if n > 10 else math.inf
            rate = a_scale if a_scale > inv else inv
            err0 += rate * (min(abs(e0), clip) - err0)
            err1 += rate * (min(abs(e1), clip) - err1)
            err2 += rate * (min(abs(e2), clip) - err2)
            ce = e if -clip < e < clip else (clip if e > 0 else -clip)
            level += (a_level if a_level > inv else inv) * ce
            fast += 0.3 * (x - season - fast)
            if dt > 0:
                c0 = e0 if -clip < e0 < clip else (clip if e0 > 0 else -clip)
                a_day = dt / (HOUR * season_periods)
                daily[hd] = sd + (a_day if a_day < 1 else 1.0) * (c0 - sd)
                a_week = a_day / 7.0
                weekly[hw] = sw + (a_week if a_week < 1 else 1.0) * (c0 - sw)
            up = up + z - 0.5
            up = up if up > 0 else 0.0
            down = down - z - 0.5
            down = down if down > 0 else 0.0
            if up > limit or down > limit:
                level = fast
                up = down = 0.0
            # Likelihood of the recent surprise against its long-run distribution.
            r = z if z > 0 else -z
            short += a_short * ((r if r < 50 else 50.0) - short)
            if n <= _SETTLE:
                # The error scale is not settled yet: neither is the surprise.
                short = mean = 0.0 if n < _SETTLE else r
                p = 1.0
                append(0.0)
                continue
            sd_long = sqrt(var)
            if sd_long > 0:
                p = 0.5 * erfc((short - mean) / (sd_long * _SQRT2))
            else:
                p = 1.0 if short <= mean else 0.0
            delta = short - mean
            inv = 1.0 / (n - _SETTLE)
            rate = a_long if a_long > inv else inv
            mean += rate * delta
            var = (1 - rate) * (var + rate * delta * delta)
            if n <= warmup:
                append(0.0)
                continue
            score = log(p) / log_sig2 if p > 0 else 1.0
            score = 0.0 if score < 0 else 1.0 if score > 1 else score
            if quiet > 0:
                quiet -= 1
                if score > cap:
                    score = cap
            elif score >= threshold:
                quiet = quiet_points
            append(score)
        state.n, state.t0, state.last_t, state.dt = n, t0, last_t, dt
        state.level, state.fast = level, fast
        state.err0, state.err1, state.err2 = err0, err1, err2
        state.cusum_up, state.cusum_down = up, down
        state.short, state.mean, state.var, state.quiet = short, mean, var, quiet
        state.model, state.expected, state.band, state.z, state.p = model, expected, band, z, p
        return out

    def dump(self, state: _State) -> dict[str, Any]:
        raw: dict[str, Any] = {name: getattr(state, name) for name in _FLOATS}
        raw.update(
            n=state.n,
            quiet=state.quiet,
            model=state.model,
            daily=list(state.daily),
            weekly=list(state.weekly),
        )
        return raw

    def load(self, raw: dict[str, Any]) -> _State:
        state = _State()
        for name in _FLOATS:
            setattr(state, name, float(raw.get(name, getattr(state, name))))
        state.n = int(raw.get("n", 0))
        state.quiet = int(raw.get("quiet", 0))
        state.model = int(raw.get("model", 0))
        for name, size in (("daily", 24), ("weekly", 168)):
            profile = [float(v) for v in raw.get(name, [])]
            setattr(state, name, profile if len(profile) == size else [0.0] * size)
        return state
