"""One page per run: indoor, mass and outdoor temperatures with the setpoint,
the electric power drawn, and each terminal's on/off timeline."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MultipleLocator  # noqa: E402

from .equipment import BITS, NAMES  # noqa: E402

COLOURS = {"Y1": "tab:green", "Y2": "darkgreen", "G": "tab:cyan", "W2": "tab:red", "OB": "goldenrod",
           "E": "tab:purple"}
FIGURES = ("energy_kwh", "aux_kwh", "unavoidable_aux_kwh", "ideal_kwh", "discomfort_degf_h",
           "max_starts_in_an_hour", "short_cycles", "indoor_at_0630_f")


def _spans(on, hours, step_h):
    spans, start = [], None
    for value, hour in zip(on, hours, strict=True):
        if value and start is None:
            start = hour
        elif not value and start is not None:
            spans.append((start, hour - start))
            start = None
    if start is not None:
        spans.append((start, hours[-1] + step_h - start))
    return spans


def plot_run(run, path):
    s = run.series
    step_h = run.dt_s / 3600.0
    hours = [t / 3600.0 for t in s["t_s"]]
    figure, (temps, outside, power, relays) = plt.subplots(
        4, 1, figsize=(11.7, 8.3), sharex=True, gridspec_kw={"height_ratios": [3.2, 1.3, 1.3, 1.6]})
    figure.suptitle("%s day, %s schedule, controller: %s" % (run.day, run.schedule, run.controller),
                    fontsize=13, fontweight="bold")
    setpoint = s["setpoint_f"]
    temps.fill_between(hours, [v - 1 for v in setpoint], [v + 1 for v in setpoint], step="post",
                       color="0.9", label="setpoint ± 1 °F")
    temps.step(hours, setpoint, where="post", color="k", lw=1.2, label="heat setpoint")
    if s["controller_setpoint_f"] != setpoint:
        temps.step(hours, s["controller_setpoint_f"], where="post", color="tab:purple", lw=1.0, ls=":",
                   label="controller's setpoint")
    temps.plot(hours, s["indoor_f"], color="tab:red", lw=1.1, label="indoor air")
    temps.plot(hours, s["mass_f"], color="tab:brown", lw=0.9, ls="--", label="house mass")
    temps.set_ylabel("indoor °F")
    temps.legend(loc="lower right", fontsize=8, ncol=5)
    temps.grid(alpha=0.3)
    k = run.kpis
    summary = "   ".join("%s %s" % (name, _short(k[name])) for name in FIGURES if name in k)
    temps.set_title(summary, fontsize=8)

    outside.plot(hours, s["outdoor_f"], color="tab:blue", lw=1.2)
    outside.set_ylabel("outdoor °F")
    outside.grid(alpha=0.3)

    compressor = s["compressor_kw"]
    strips = [a + b for a, b in zip(compressor, s["strip_kw"], strict=True)]
    total = [a + b for a, b in zip(strips, s["blower_kw"], strict=True)]
    power.fill_between(hours, 0, compressor, step="post", color="tab:green", alpha=0.6, lw=0, label="compressor")
    power.fill_between(hours, compressor, strips, step="post", color="tab:red", alpha=0.6, lw=0, label="strips")
    power.fill_between(hours, strips, total, step="post", color="tab:cyan", alpha=0.6, lw=0, label="blower")
    power.set_ylabel("electric kW")
    power.legend(loc="upper right", fontsize=8, ncol=3)
    power.grid(alpha=0.3)

    outputs = s["outputs"]
    for row, (name, bit) in enumerate(zip(NAMES, BITS, strict=True)):
        y = len(NAMES) - 1 - row
        spans = _spans([bool(o & bit) for o in outputs], hours, step_h)
        relays.broken_barh(spans, (y - 0.35, 0.7), color=COLOURS[name])
    relays.set_yticks(range(len(NAMES)), list(reversed(NAMES)))
    relays.set_ylim(-0.6, len(NAMES) - 0.4)
    relays.set_xlim(0, 24)
    relays.xaxis.set_major_locator(MultipleLocator(2))
    relays.xaxis.set_minor_locator(MultipleLocator(1))
    relays.set_xlabel("hour of the measured day (after one warm-up day)")
    relays.grid(axis="x", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=80)
    plt.close(figure)


def _short(value):
    return "%.2f" % value if isinstance(value, float) else str(value)
