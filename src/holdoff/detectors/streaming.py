"""The streaming detector: learns a series online, point by point, in constant memory and time.

For every point it predicts the value, measures how surprising the error is, and turns a short run of
surprise into a calibrated score (``docs/metrics-streaming.md`` has the whole story and the figures):

1. **Prediction.** A level (an exponentially weighted mean of the deseasonalised value, moved by
   clipped errors so a spike does not drag it) plus, when it predicts better, a daily profile
   (24 hour-of-day buckets) or a weekly one (168 hour-of-week buckets) of the value around the level.
   Each candidate keeps its own mean absolute error and the smallest one predicts; a profile is a
   candidate once the series covers ``season_cover`` of its periods. Time is epoch seconds (UTC):
   irregular sampling is fine, and a profile's memory is counted in periods whatever the interval.
2. **Surprise.** ``z = error / band``, the band being 1.25 times the predicting candidate's mean
   absolute error (with a daily profile: half its own, half that hour's). A two-sided CUSUM over ``z``
   finds a **level shift**; past ``shift_limit`` the level jumps to the recent mean, so the new level
   is learned in a few points and stops scoring.
3. **Likelihood** (Numenta's anomaly likelihood). A short average of ``|z|`` against the long-run
   distribution of that average gives a Gaussian tail probability ``p``; the score is
   ``log(p) / (2 log(significance))`` clipped to [0, 1], so **0.5 (the threshold) means p equals
   ``significance``** and 1 its square. After an anomaly the next ``quiet_points`` scores are capped at
   half the threshold, and a later anomaly must score higher than the last one, a bar that halves
   every ``rearm_points``: one event gives one alert, a series that keeps jumping does not page for
   each jump.

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
DAILY_BUCKETS: Final = 24
WEEKLY_BUCKETS: Final = 168
DAILY_WIDTH: Final = DAY / DAILY_BUCKETS
WEEKLY_WIDTH: Final = WEEK / WEEKLY_BUCKETS
SETTLE: Final = 20
"""Points before surprise is measured at all (the error scale settles first)."""
RAW_CAP: Final = 50.0
"""``|z|`` is capped here before averaging: one absurd value does not drown the long-run statistics."""
TYPICAL_SURPRISE: Final = 0.8
"""The long-run mean of ``|z|`` for Gaussian errors (1 / 1.25); far above it, errors are heavy-tailed."""
_SQRT2: Final = math.sqrt(2.0)
_MODELS: Final = ("level", "daily profile", "weekly profile")


class StreamingConfig(BaseModel):
    """``{type: streaming}``: the defaults are one configuration for every series (measured on NAB)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: Literal["streaming"] = "streaming"
    name: str = Field(default="streaming", min_length=1, max_length=40, pattern=r"^[a-zA-Z0-9_.-]+$")
    warmup_points: int = Field(default=150, ge=SETTLE + 1, description="Points before scores count.")
    level_points: float = Field(default=30.0, gt=1, description="Memory of the level, in points.")
    scale_points: float = Field(default=100.0, gt=1, description="Memory of the error scale, in points.")
    season_periods: float = Field(
        default=5.0, gt=0, description="Memory of the daily and weekly profiles, in periods (days, weeks)."
    )
    season_cover: float = Field(
        default=3.0, ge=1, description="Periods of history before a profile may predict."
    )
    daily: bool = True
    weekly: bool = True
    shift_limit: float = Field(default=12.0, gt=0, description="CUSUM limit (in bands) that moves the level.")
    short_points: float = Field(default=12.0, ge=1, description="The short average of surprise, in points.")
    long_points: float = Field(default=3000.0, gt=1, description="Its long-run distribution, in points.")
    significance: float = Field(default=1e-4, gt=0, lt=0.5, description="Tail probability scored 0.5.")
    threshold: float = Field(default=0.5, gt=0, le=1, description="The score at which a point is anomalous.")
    quiet_points: int = Field(default=100, ge=0, description="Points after an anomaly capped below it.")
    rearm_points: float = Field(
        default=300.0, gt=0, description="Half-life of the bar a later anomaly must score above."
    )

    def build(self) -> StreamingDetector:
        return StreamingDetector(self)


class StreamingState:
    """One series' learned state: a fixed set of floats and three fixed-size profiles (O(1) memory)."""

    __slots__ = (
        "band",
        "bar",
        "cusum_down",
        "cusum_up",
        "daily",
        "daily_err",
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
        """Typical interval between points (seconds, smoothed)."""
        self.level = 0.0
        self.fast = 0.0
        """A fast mean of the deseasonalised value: where a level shift moves the level."""
        self.err0 = 0.0
        self.err1 = 0.0
        self.err2 = 0.0
        """Mean absolute error of each candidate: level alone, with the daily, with the weekly profile."""
        self.daily = [0.0] * DAILY_BUCKETS
        self.daily_err = [0.0] * DAILY_BUCKETS
        self.weekly = [0.0] * WEEKLY_BUCKETS
        self.cusum_up = 0.0
        self.cusum_down = 0.0
        self.short = 0.0
        self.mean = 0.0
        self.var = 0.0
        self.quiet = 0
        self.bar = 0.0
        # What the last point was measured against (for its reason).
        self.model = 0
        self.expected = 0.0
        self.band = 0.0
        self.z = 0.0
        self.p = 1.0


_PROFILES: Final = {"daily": DAILY_BUCKETS, "daily_err": DAILY_BUCKETS, "weekly": WEEKLY_BUCKETS}
_INTS: Final = ("n", "quiet", "model")
_FLOATS: Final = tuple(
    name for name in StreamingState.__slots__ if name not in _PROFILES and name not in _INTS
)


class StreamingDetector:
    """A :class:`~holdoff.detectors.model.SeriesDetector` (see the module's description)."""

    def __init__(self, config: StreamingConfig | None = None) -> None:
        self.config = config or StreamingConfig()
        self.name = self.config.name

    def new_state(self) -> StreamingState:
        return StreamingState()

    def score(self, state: StreamingState, t: float, value: float) -> Scored:
        scores = self.score_many(state, (t,), (value,))
        return Scored(t, value, scores[0], self.learning(state), self._reason(state, value, scores[0]))

    def learning(self, state: StreamingState) -> Learning:
        """Where the series stands: warming up (and for how long yet), ready, or low confidence."""
        config = self.config
        missing = config.warmup_points - state.n
        if missing > 0:
            return Learning(
                Phase.WARMING_UP,
                missing_seconds=missing * state.dt,
                note=f"{state.n} of {config.warmup_points} points seen",
            )
        if state.mean > 3 * TYPICAL_SURPRISE:
            return Learning(
                Phase.LOW_CONFIDENCE,
                note=f"errors are heavy-tailed (mean surprise {state.mean:.1f}, {TYPICAL_SURPRISE} is typical)",
            )
        if state.dt > 0 and state.last_t - state.t0 >= DAY and state.dt > DAY / 8:
            return Learning(Phase.LOW_CONFIDENCE, note="fewer than eight points a day: no daily profile")
        return READY

    def _reason(self, state: StreamingState, value: float, score: float) -> str:
        if not -math.inf < value < math.inf:
            return f"{value} is not a measurement: ignored"
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

    def score_many(
        self, state: StreamingState, times: Sequence[float], values: Sequence[float]
    ) -> list[float]:
        """Score points in order (times increasing): the same numbers as :meth:`score`, point by point.

        One loop over local variables (the state is read before and written back after): this is the
        path a backtest, ``holdoff detect`` and the benchmark take.
        """
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
        rearm = 0.5 ** (1.0 / c.rearm_points)
        daily_from = c.season_cover * DAY if c.daily else math.inf
        weekly_from = c.season_cover * WEEK if c.weekly else math.inf
        season_periods = c.season_periods
        erfc, log, sqrt = math.erfc, math.log, math.sqrt
        daily, daily_err, weekly = state.daily, state.daily_err, state.weekly
        n, t0, last_t, dt = state.n, state.t0, state.last_t, state.dt
        level, fast = state.level, state.fast
        err0, err1, err2 = state.err0, state.err1, state.err2
        up, down = state.cusum_up, state.cusum_down
        short, mean, var = state.short, state.mean, state.var
        quiet, bar = state.quiet, state.bar
        model, expected, band, z, p = state.model, state.expected, state.band, state.z, state.p
        out: list[float] = []
        append = out.append
        for t, x in zip(times, values, strict=True):
            if not -math.inf < x < math.inf:
                append(0.0)  # NaN or infinite: not a measurement, nothing learned from it
                continue
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
            # Predict: the level, or the level and a profile when that has been the better guess.
            hd = int(t % DAY // DAILY_WIDTH)
            hw = int(t % WEEK // WEEKLY_WIDTH)
            sd = daily[hd]
            sw = weekly[hw]
            e0 = x - level
            e1 = e0 - sd
            e2 = e0 - sw
            span = t - t0
            floor = 1e-9 + 1e-6 * abs(level)
            if span >= daily_from and err1 < err0 and (span < weekly_from or err1 <= err2):
                model, e, season = 1, e1, sd
                hour_err = daily_err[hd]
                band = 0.625 * (err1 + (hour_err if hour_err > 0 else err1)) + floor
            elif span >= weekly_from and err2 < err0:
                model, e, season = 2, e2, sw
                band = 1.25 * err2 + floor
            else:
                model, e, season = 0, e0, 0.0
                band = 1.25 * err0 + floor
            expected = level + season
            z = e / band
            # Learn, from clipped errors (a spike moves neither the level, the scales nor the profiles
            # much). Early on the rates are those of a plain average (1/n): the first points do not linger.
            inv = 1.0 / (n - 1)
            clip = 4.0 * band if n > 10 else math.inf
            rate = a_scale if a_scale > inv else inv
            err0 += rate * ((e0 if e0 > 0 else -e0) if -clip < e0 < clip else clip) - rate * err0
            err1 += rate * ((e1 if e1 > 0 else -e1) if -clip < e1 < clip else clip) - rate * err1
            err2 += rate * ((e2 if e2 > 0 else -e2) if -clip < e2 < clip else clip) - rate * err2
            level += (a_level if a_level > inv else inv) * (
                e if -clip < e < clip else (clip if e > 0 else -clip)
            )
            fast += 0.3 * (x - season - fast)
            if dt > 0:
                c0 = e0 if -clip < e0 < clip else (clip if e0 > 0 else -clip)
                a_day = dt / (DAILY_WIDTH * season_periods)
                a_day = a_day if a_day < 1 else 1.0
                a_week = dt / (WEEKLY_WIDTH * season_periods)
                daily[hd] = sd + a_day * (c0 - sd)
                weekly[hw] = sw + (a_week if a_week < 1 else 1.0) * (c0 - sw)
                hour_err = daily_err[hd]
                c1 = (e1 if e1 > 0 else -e1) if -clip < e1 < clip else clip
                daily_err[hd] = c1 if hour_err == 0 else hour_err + a_day * (c1 - hour_err)
            # A level shift: the CUSUM of z passes its limit, and the level moves to the recent mean.
            up = up + z - 0.5
            up = up if up > 0 else 0.0
            down = down - z - 0.5
            down = down if down > 0 else 0.0
            if up > limit or down > limit:
                level = fast
                up = down = 0.0
            # Likelihood of the recent surprise against its long-run distribution.
            r = z if z > 0 else -z
            short += a_short * ((r if r < RAW_CAP else RAW_CAP) - short)
            if n <= SETTLE:
                short = mean = 0.0 if n < SETTLE else (r if r < RAW_CAP else RAW_CAP)
                p = 1.0
                append(0.0)
                continue
            deviation = sqrt(var)
            if deviation > 0:
                p = 0.5 * erfc((short - mean) / (deviation * _SQRT2))
            else:
                p = 1.0 if short <= mean else 0.0
            delta = short - mean
            inv = 1.0 / (n - SETTLE)
            rate = a_long if a_long > inv else inv
            mean += rate * delta
            var = (1 - rate) * (var + rate * delta * delta)
            if n <= warmup:
                append(0.0)
                continue
            score = log(p) / log_sig2 if p > 0 else 1.0
            score = 0.0 if score < 0 else 1.0 if score > 1 else score
            # One event, one alert: a quiet period, then a bar that the next anomaly must pass.
            if quiet > 0:
                quiet -= 1
                if score > cap:
                    score = cap
            elif score >= threshold:
                if score > bar:
                    quiet = quiet_points
                    bar = score
                else:
                    score = cap
            bar *= rearm
            append(score)
        state.n, state.t0, state.last_t, state.dt = n, t0, last_t, dt
        state.level, state.fast = level, fast
        state.err0, state.err1, state.err2 = err0, err1, err2
        state.cusum_up, state.cusum_down = up, down
        state.short, state.mean, state.var = short, mean, var
        state.quiet, state.bar = quiet, bar
        state.model, state.expected, state.band, state.z, state.p = model, expected, band, z, p
        return out

    def dump(self, state: StreamingState) -> dict[str, Any]:
        raw: dict[str, Any] = {name: getattr(state, name) for name in (*_FLOATS, *_INTS)}
        raw.update({name: list(getattr(state, name)) for name in _PROFILES})
        return raw

    def load(self, raw: dict[str, Any]) -> StreamingState:
        state = StreamingState()
        for name in _FLOATS:
            setattr(state, name, float(raw.get(name, getattr(state, name))))
        for name in _INTS:
            setattr(state, name, int(raw.get(name, 0)))
        for name, size in _PROFILES.items():
            profile = [float(v) for v in raw.get(name, [])]
            setattr(state, name, profile if len(profile) == size else [0.0] * size)
        return state
