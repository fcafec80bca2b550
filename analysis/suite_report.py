#!/usr/bin/python3
"""The benchmark suite's table and its explanations, from the HDF5 files `scripts/suite.sh` writes.

    /usr/bin/python3 analysis/suite_report.py out/suite [--markdown docs/results.md]

Prints one row per (scenario, policy): model | GPUs | policy | energy saving % | time overhead % |
E2A improvement % | CO2e saving %, and with --markdown writes the table, one paragraph per row saying where
the saving comes from (which energy parts, which layers and passes, what the policy chose), and the check
against the published results in ../shared/data/policies.yaml. Everything in the text is computed from the
files; nothing is typed in by hand except the published figures quoted for comparison.
"""
import argparse
import glob
import math
import os
import re

import h5py
import pandas as pd

from compare import PARTS, summaries

PART_NAMES = {"energy_gpu_busy_j": "GPU energy while kernels run", "energy_gpu_wait_j": "GPU energy while waiting",
              "energy_memory_j": "HBM traffic energy", "energy_network_j": "network energy",
              "energy_host_j": "host energy (CPUs, DRAM, NICs)", "energy_fans_j": "fan energy",
              "energy_psu_loss_j": "power-supply loss"}

# Published results of the same techniques (../shared/data/policies.yaml), for the direction-and-magnitude
# check. Keyed by wattsim policy.
PUBLISHED = {
    "pass-dvfs": "pass-level DVFS on a GPT-3 run: 2% energy, no slowdown (S53)",
    "kernel-dvfs": "kernel-level DVFS on a GPT-3 run: 14.6% energy for 0.6% slowdown (S53, S55)",
    "critical-path": "Perseus: up to 30% energy with little or no slowdown, from stage imbalance and "
                     "stragglers (S48, S49)",
    "sync-idle": "EnvPipe: up to 25–28% energy below 1% slowdown by lowering the clock in bubbles (S61)",
    "power-cap": "Zeus: 75–90% of the maximum power limit gives 5–16% less energy for 0.5–6% more time (S44)",
    "carbon-aware": "Chase: 13.6% less carbon for 2.5% more time on ResNet-50 (S62)",
    "adaptive-batch": "Zeus (batch size and power limit): 15.3–75.8% better energy efficiency (S44)",
}


def read(path):
    with h5py.File(path, "r") as f:
        table = summaries(f)
        order = [p.decode("utf-8") for p in f["comparison"]["policy"]]
        table["order"] = [order.index(p) for p in table.index]
        name = f.attrs["scenario_name"]
        name = name.decode() if isinstance(name, bytes) else str(name)
        text = f["scenario_yaml"][()]
        text = text.decode() if isinstance(text, bytes) else str(text)
        model = re.search(r"^\s*model:\s*(\S+)", text, re.M)
        name = (name, model.group(1) if model else "?")
        layers = {}
        schedules = {}
        for policy, group in f["policies"].items():
            if "layers" in group:
                frame = pd.DataFrame(group["layers"][()])
                frame["name"] = frame["name"].str.decode("utf-8")
                layers[policy] = frame
            if "schedule" in group:
                schedules[policy] = pd.DataFrame(group["schedule"][()])
    return name, table, layers, schedules


def layer_kind(name):
    for prefix in ("embedding", "head", "optimizer", "stem", "classifier"):
        if name.startswith(prefix):
            return name.split(".")[0]
    return "the repeated blocks"


def where_layers(layers, policy):
    """Which layer kinds and passes the run-energy difference against static sits in."""
    if policy not in layers or "static" not in layers:
        return ""
    base, new = layers["static"], layers[policy]
    if len(base) != len(new):
        return ""  # another layout or batch: layers are not comparable one to one
    diff = pd.DataFrame({"kind": base["name"].map(layer_kind),
                         "forward": base["forward_run_j"] - new["forward_run_j"],
                         "backward": base["backward_run_j"] - new["backward_run_j"]})
    total = diff[["forward", "backward"]].to_numpy().sum()
    if abs(total) < 1e-3 * (base["forward_run_j"].sum() + base["backward_run_j"].sum()):
        return ""  # under 0.1% of the run: too small to attribute meaningfully
    by_kind = diff.groupby("kind")[["forward", "backward"]].sum()
    share = (by_kind.sum(axis=1) / total).sort_values(ascending=False)
    top = share.index[0]
    fwd = by_kind.loc[top, "forward"] / total
    bwd = by_kind.loc[top, "backward"] / total
    where = {"optimizer": "the optimizer step (charged with the wait for the gradient reduction before it)",
             "the repeated blocks": "the repeated blocks (transformer layers or bottlenecks)"}.get(top, top)
    text = (f" By layer (net change = 100%): {100 * share.iloc[0]:.0f}% in {where}: {100 * fwd:.0f}% forward, "
            f"{100 * bwd:.0f}% backward (recomputation and gradient reduction included)")
    if len(share) > 1 and abs(share.iloc[1]) >= 0.1:
        text += f"; {100 * share.iloc[1]:.0f}% in {share.index[1]}"
    return text + "."



def energy(joules):
    kwh = joules / 3.6e6
    return f"{kwh / 1000:,.1f} MWh" if kwh >= 1000 else f"{kwh:,.1f} kWh"


def explain(row, table, layers, schedules):
    p = row["policy"]
    s = table.loc["static"]
    t = table.loc[p]
    saved = s["energy_j"] - t["energy_j"]
    if p == "static":
        return ("The baseline: every kernel and every wait at the top clock, the scenario's batch and layout. "
                f"Its run takes {s['run_time_s'] / 3600:.1f} h and {energy(s['energy_j'])} "
                f"({100 * s['energy_gpu_wait_j'] / s['energy_j']:.1f}% of it GPUs waiting); MFU {100 * s['mfu']:.1f}%.")
    parts = []
    for part in PARTS:  # each part's change, in % of the static run's energy
        d = 100 * (s[part] - t[part]) / s["energy_j"]
        if abs(saved) > 0 and abs(d) >= 0.05 * abs(100 * saved / s["energy_j"]) and abs(d) >= 0.005:
            parts.append(f"{PART_NAMES[part]} {'−' if d > 0 else '+'}{abs(d):.2f}%")
    text = []
    if abs(row["energy_saving_pct"]) < 0.005:
        text.append("No change against static:")
    else:
        text.append(f"{'Saves' if saved > 0 else 'Costs'} {energy(abs(saved))} "
                    f"({', '.join(parts) if parts else 'spread over every part'}; points of the static run's energy).")
    notes = []
    if "chosen_clock_mhz" in t and not math.isnan(t["chosen_clock_mhz"]):
        notes.append(f"one clock for everything, {t['chosen_clock_mhz']:.0f} MHz")
    if p == "power-cap":
        notes.append(f"a {t['power_cap_w']:.0f} W limit sets one clock ceiling per control window for all the work in it")
    if p in ("phase-dvfs", "kernel-dvfs", "energy-proportional") and "plans_simulated" in t:
        changes = t["clock_changes_per_step"]
        notes.append(f"{t['plans_simulated']:.0f} plans simulated; the best has {changes:.0f} clock changes per step"
                     + (" (a switch's latency and the power it spends at the old clock outweigh what a second "
                        "clock saves here, so the best plan is a uniform clock)" if changes == 0 else ""))
    if "blocks" in t and not math.isnan(t["blocks"]):
        notes.append(f"{t['blocks_slowed']:.0f} of {t['blocks']:.0f} kernel blocks had slack worth a slower clock")
    if p == "sync-idle":
        notes.append(f"idle GPUs drop to {t['idle_clock_mhz']:.0f} MHz after {1e3 * t['hold_s']:.0f} ms; wait energy "
                     f"{s['energy_gpu_wait_j'] / 3.6e6:,.0f} → {t['energy_gpu_wait_j'] / 3.6e6:,.0f} kWh")
    for key, label in (("global_batch", "global batch"), ("micro_batch", "micro-batch"), ("tp", "TP"),
                       ("pp", "PP"), ("dp", "DP"), ("zero_stage", "ZeRO stage")):
        if key in t and t[key] != s[key]:
            notes.append(f"{label} {s[key]:.0f} → {t[key]:.0f}")
    if "steps_to_target" in t and t["global_batch"] != s["global_batch"]:
        notes.append(f"steps to the target loss {s['steps_to_target']:,.0f} → {t['steps_to_target']:,.0f} "
                     f"at {t['energy_per_step_j'] / s['energy_per_step_j']:.2f}× the energy per step")
    if p in schedules:
        sched = schedules[p]
        running = (sched["t1_s"] - sched["t0_s"]).sum()
        paused = sched["t1_s"].max() - running
        clocks = sorted(set(int(c) for c in sched["clock"]))
        notes.append(f"runs {running / 3600:.1f} h, paused {paused / 3600:.1f} h, at {len(clocks)} clock setting(s); "
                     f"mean grid intensity {s['carbon_intensity_g_per_kwh']:.0f} → "
                     f"{t['carbon_intensity_g_per_kwh']:.0f} g/kWh")
    if notes:
        text.append("; ".join(notes)[0].upper() + "; ".join(notes)[1:] + ".")
    text.append(where_layers(layers, p))
    return " ".join(x for x in text if x)


def fmt(v):
    return "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.2f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("directory")
    ap.add_argument("--markdown")
    args = ap.parse_args()
    rows = []
    explanations = []
    for path in sorted(glob.glob(os.path.join(args.directory, "*.h5"))):
        (name, model), table, layers, schedules = read(path)
        s = table.loc["static"]
        for policy in table.sort_values("order").index:  # the scenario's order of policies
            t = table.loc[policy]
            row = {"scenario": name, "model": model,
                   "gpus": int(round(s["gpu_hours"] / s["run_time_s"] * 3600)), "policy": policy,
                   "energy_saving_pct": t["energy_saving_pct"], "time_overhead_pct": t["time_overhead_pct"],
                   "e2a_improvement_pct": t["e2a_improvement_pct"], "co2e_saving_pct": t["co2e_saving_pct"]}
            rows.append(row)
            explanations.append((name, policy, explain(row, table, layers, schedules)))
    frame = pd.DataFrame(rows)
    header = ("| model | GPUs | scenario | policy | energy saving % | time overhead % | E2A improvement % | "
              "CO2e saving % |")
    lines = [header, "|---|---:|---|---|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['model']} | {r['gpus']} | {r['scenario']} | {r['policy']} | {fmt(r['energy_saving_pct'])} | "
                     f"{fmt(r['time_overhead_pct'])} | {fmt(r['e2a_improvement_pct'])} | {fmt(r['co2e_saving_pct'])} |")
    print("\n".join(lines))
    if not args.markdown:
        return
    with open(args.markdown, "w") as out:
        intro_path = os.path.join(os.path.dirname(__file__), "results_intro.md")
        with open(intro_path) as intro:
            out.write(intro.read())
        out.write("\n## The table\n\n" + "\n".join(lines) + "\n\n## Where each saving comes from\n\n")
        current = None
        for name, policy, text in explanations:
            if name != current:
                out.write(f"\n### {name}\n\n")
                current = name
            out.write(f"- **{policy}**: {text}\n")
        out.write("\n## Against published results\n\n")
        # Each technique on the figure its publication reports: carbon for carbon-aware, energy to
        # accuracy for batch adaptation, energy otherwise; with the time it cost here.
        measure = {"carbon-aware": ("co2e_saving_pct", "CO2e"), "adaptive-batch": ("e2a_improvement_pct", "E2A")}
        for policy, published in PUBLISHED.items():
            rows_of = frame[frame["policy"] == policy]
            if rows_of.empty:
                continue
            column, label = measure.get(policy, ("energy_saving_pct", "energy"))
            lo, hi = rows_of[column].min() + 0.0, rows_of[column].max() + 0.0
            t_lo, t_hi = rows_of["time_overhead_pct"].min() + 0.0, rows_of["time_overhead_pct"].max() + 0.0
            out.write(f"- **{policy}**: wattsim {lo:.1f} to {hi:.1f}% less {label} across the suite, for "
                      f"{t_lo:+.1f} to {t_hi:+.1f}% time; published: {published}.\n")
        outro_path = os.path.join(os.path.dirname(__file__), "results_discussion.md")
        with open(outro_path) as outro:
            out.write("\n" + outro.read())


if __name__ == "__main__":
    main()
