"""Bar charts drawn on the server as SVG, for the operators' pages.

Only the geometry is computed here (where each bar and tick goes, in the
SVG's own units); ``templates/_chart.html`` writes the elements, escaped
like any other page text. No script draws anything, so a chart shows
without JavaScript, and the page puts the same figures in a table beside it
for screen readers and for copying.
"""

from __future__ import annotations

from dataclasses import dataclass

# The drawing's own units; the SVG scales to its container (viewBox).
WIDTH = 640
HEIGHT = 240
_LEFT = 48  # room for the value axis labels
_RIGHT = 8
_TOP = 12
_BOTTOM = 40  # room for the category labels
_TICKS = 4


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    # Under the bar, and in the bar's tooltip with its value.
    label: str
    value_text: str
    # Where the category label is drawn (its centre), or None when labels
    # would crowd: then every few bars carry one.
    label_x: float | None


@dataclass(frozen=True)
class Tick:
    y: float
    text: str


@dataclass(frozen=True)
class BarChart:
    id: str
    title: str
    description: str
    bars: list[Bar]
    ticks: list[Tick]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = _LEFT
    baseline: float = HEIGHT - _BOTTOM
    right_edge: float = WIDTH - _RIGHT


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    points: list[tuple[str, float]],
    *,
    percent: bool = False,
) -> BarChart:
    """Bars for (label, value) points, oldest first. ``percent``: values are
    shares from 0 to 1, drawn against a 0–100 % axis. ``title``,
    ``description`` and the labels come in the reader's language."""
    top = 1.0 if percent else _nice_top(max((v for _, v in points), default=0.0))
    plot_height = HEIGHT - _TOP - _BOTTOM
    plot_width = WIDTH - _LEFT - _RIGHT
    slot = plot_width / max(1, len(points))
    # At most about eight labels (dates as YYYY-MM-DD) fit under the bars.
    every = max(1, -(-len(points) // 8))
    bars = []
    for i, (label, value) in enumerate(points):
        height = plot_height * (max(0.0, value) / top if top else 0.0)
        x = _LEFT + i * slot + slot * 0.15
        bars.append(
            Bar(
                round(x, 2),
                round(_TOP + plot_height - height, 2),
                round(slot * 0.7, 2),
                round(height, 2),
                label,
                _format(value, percent),
                round(x + slot * 0.35, 2) if i % every == 0 else None,
            )
        )
    ticks = [
        Tick(round(_TOP + plot_height * (1 - step / _TICKS), 2), _format(top * step / _TICKS, percent))
        for step in range(_TICKS + 1)
    ]
    return BarChart(chart_id, title, description, bars, ticks)


def _nice_top(largest: float) -> float:
    """The axis maximum: four ticks of a round step (1, 2, 3 or 5 × 10ⁿ,
    whole numbers) reaching the largest value; an empty chart reads 0–4."""
    if largest <= _TICKS:
        return float(_TICKS)
    magnitude = 1.0
    while magnitude * 10 <= largest / _TICKS:
        magnitude *= 10
    for step in (1.0, 2.0, 3.0, 5.0, 10.0):
        if step * magnitude * _TICKS >= largest:
            return step * magnitude * _TICKS
    return 10 * magnitude * _TICKS


def _format(value: float, percent: bool) -> str:
    if percent:
        return f"{value * 100:.0f} %"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
