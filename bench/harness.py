"""Candidate against baseline, in the same run, on the same data.

Every benchmark hands `compare` two callables doing the same work: the system's way (the
candidate) and the plainest way (the baseline). They run alternately, in pairs, so that
whatever else the machine does weighs on both alike; the result is the median of the
per-pair ratios with its spread, and the raw samples go to a JSON file under bench/results/.

A comparison with a target ("p95 <= 1.5x", ">= 0.5x", ...) gets a verdict from the spread of
its per-pair ratios, not from the median alone: "met" when every pair is within the target,
"missed" when every pair is outside it, "within noise" when the spread crosses it (the run
cannot tell). A target without a bound ("report") gets no verdict.
"""

import json
import os
import platform
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Comparison:
    name: str
    unit: str
    candidate: list[float] = field(default_factory=list)
    baseline: list[float] = field(default_factory=list)
    # "time": smaller is better, ratio = candidate / baseline (1.5 = 50 % slower).
    # "rate": larger is better, ratio = candidate / baseline (0.5 = half the throughput).
    kind: str = "time"
    target: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def ratios(self) -> list[float]:
        return [c / b for c, b in zip(self.candidate, self.baseline, strict=True) if b]

    @property
    def bound(self) -> tuple[str, float] | None:
        """The target's bound on the ratio, e.g. ("<=", 1.5) for "p95 <= 1.5x"."""
        found = TARGET_BOUND.search(self.target)
        return (found.group(1), float(found.group(2))) if found else None

    @property
    def verdict(self) -> str:
        """Met, missed or within noise (see the module docstring); "" without a bound."""
        return verdict(self.ratios, self.bound)

    def summary(self) -> str:
        ratios = sorted(self.ratios)
        median = statistics.median(ratios)
        line = (
            f"{self.name:<44} ratio {median:6.2f}x  (spread {ratios[0]:.2f}-{ratios[-1]:.2f}, "
            f"{len(ratios)} pairs; candidate median {statistics.median(self.candidate):.2f} "
            f"{self.unit}, baseline {statistics.median(self.baseline):.2f} {self.unit})"
        )
        if self.target:
            line += f"  target {self.target}"
        if self.verdict:
            line += f": {self.verdict}"
        return line


# "<= 1.5x", ">= 0.5x" anywhere in a target text.
TARGET_BOUND = re.compile(r"([<>]=)\s*([0-9]+(?:\.[0-9]+)?)x")


def verdict(ratios: list[float], bound: tuple[str, float] | None) -> str:
    """Met if the whole spread of ratios is within the bound, missed if it is wholly outside,
    "within noise" if it crosses the bound; "" if there is no bound or no ratio."""
    if bound is None or not ratios:
        return ""
    operator, limit = bound
    inside = [r <= limit if operator == "<=" else r >= limit for r in ratios]
    if all(inside):
        return "met"
    if not any(inside):
        return "missed"
    return "within noise"


def p95(samples: list[float]) -> float:
    """The 95th percentile (nearest rank). Of 20 samples it is the second slowest, one outlier
    away from the maximum; of 100 the sixth slowest: take it over 100 or more."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def timed_ms(call: Callable[[], object], repeat: int = 1) -> float:
    """Wall time of `repeat` calls, in milliseconds per call."""
    start = time.perf_counter()
    for _ in range(repeat):
        call()
    return (time.perf_counter() - start) * 1000 / repeat


def compare(
    name: str,
    candidate: Callable[[], float],
    baseline: Callable[[], float],
    *,
    pairs: int = 5,
    unit: str = "ms",
    kind: str = "time",
    target: str = "",
    warmup: bool = True,
) -> Comparison:
    """Run candidate and baseline alternately; each returns its own measurement."""
    if warmup:
        candidate()
        baseline()
    result = Comparison(name=name, unit=unit, kind=kind, target=target)
    for pair in range(pairs):
        # Alternate who goes first, so neither always runs on a warmer cache.
        order = [(candidate, result.candidate), (baseline, result.baseline)]
        for call, samples in order if pair % 2 == 0 else reversed(order):
            samples.append(call())
    print(result.summary(), flush=True)
    return result


def save(benchmark: str, comparisons: list[Comparison], **extra: object) -> Path:
    """Write the raw samples, with the machine they came from, to bench/results/."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{benchmark}.json"
    document = {
        "benchmark": benchmark,
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(),
        },
        "comparisons": [
            {
                **asdict(c),
                "ratios": c.ratios,
                "median_ratio": statistics.median(c.ratios),
                "verdict": c.verdict,
            }
            for c in comparisons
        ],
        **extra,
    }
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False))
    print(f"raw samples: {path}")
    return path
