#!/usr/bin/python3
"""The studies the shipped sweeps run (scenarios/sweeps/), from a sweep's /points table.

  sweep_study.py dp-energy-scaling RESULTS.h5 [--figure F.png] [--markdown F.md]
      How linearly a data-parallel run's energy follows its GPU-hours (least-squares fit and R², per model
      and over both), and how energy per GPU-hour moves with samples and with gradient updates per GPU-hour
      (Pearson correlations and slopes), as Huber et al. (2025) report for ResNet-50 and transformers.
  sweep_study.py policy-budgets RESULTS.h5 [--figure F.png] [--markdown F.md]
      Energy saving against time overhead of each DVFS policy over its slowdown budget, one panel per
      model, with the Pareto front of all policies.

Needs only Debian's python3-h5py, -numpy, -pandas and -matplotlib.
"""
import argparse
import sys

import h5py
import numpy as np
import pandas as pd


def load_points(path):
    """The /points table as a DataFrame, strings decoded, units in df.attrs["units"]."""
    with h5py.File(path, "r") as f:
        table = f["points"]
        df = pd.DataFrame(table[()])
        units = dict(zip(table.dtype.names, (u.decode() for u in table.attrs["units"])))
    for column in df.columns:
        if df[column].dtype == object:
            df[column] = df[column].map(lambda v: v.decode() if isinstance(v, bytes) else v)
    df.attrs["units"] = units
    return df


def linear_fit(x, y):
    """Least squares y = a x + b: (a, b, R²)."""
    a, b = np.polyfit(x, y, 1)
    residual = y - (a * x + b)
    r2 = 1.0 - np.sum(residual**2) / np.sum((y - np.mean(y)) ** 2)
    return a, b, r2


def dp_energy_scaling(df):
    df = df[df.policy == "static"].copy()
    df["gpus"] = df["dp"] * df["tp"] * df["pp"]
    df["energy_kwh"] = df["energy_j"] / 3.6e6
    df["kwh_per_gpu_hour"] = df["energy_kwh"] / df["gpu_hours"]
    df["samples_per_gpu_hour"] = df["steps_total"] * df["global_batch"] / df["gpu_hours"]
    df["updates_per_gpu_hour"] = df["steps_total"] / df["gpu_hours"]
    rows = []
    for model, group in list(df.groupby("workload.model")) + [("all", df)]:
        a, b, r2 = linear_fit(group["gpu_hours"].to_numpy(), group["energy_kwh"].to_numpy())
        per = group["kwh_per_gpu_hour"]
        rows.append({
            "model": model, "points": len(group),
            "slope_kwh_per_gpu_hour": a, "intercept_kwh": b, "r2": r2,
            "kwh_per_gpu_hour_min": per.min(), "kwh_per_gpu_hour_max": per.max(),
            "corr_samples": np.corrcoef(group["samples_per_gpu_hour"], per)[0, 1],
            "corr_updates": np.corrcoef(group["updates_per_gpu_hour"], per)[0, 1],
        })
    return df, pd.DataFrame(rows)


def dp_markdown(fits):
    lines = ["| model | points | energy = a · GPU-h + b: a (kWh/GPU-h) | b (kWh) | R² | kWh per GPU-h (range) "
             "| corr. with samples/GPU-h | corr. with updates/GPU-h |", "|---|---|---|---|---|---|---|---|"]
    for r in fits.itertuples():
        lines.append("| %s | %d | %.3f | %.2f | %.4f | %.3f–%.3f | %+.2f | %+.2f |" % (
            r.model, r.points, r.slope_kwh_per_gpu_hour, r.intercept_kwh, r.r2, r.kwh_per_gpu_hour_min,
            r.kwh_per_gpu_hour_max, r.corr_samples, r.corr_updates))
    return "\n".join(lines) + "\n"


def finish(fig, title, path):
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def dp_figure(df, fits, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6))
    colours = {"resnet-50": "tab:blue", "bert-large": "tab:orange"}
    for model, group in df.groupby("workload.model"):
        c = colours.get(model, "tab:green")
        fit = fits[fits.model == model].iloc[0]
        axes[0].scatter(group["gpu_hours"], group["energy_kwh"], s=18, color=c, alpha=0.75,
                        label="%s (R² %.3f)" % (model, fit.r2))
        x = np.linspace(0, group["gpu_hours"].max() * 1.05, 50)
        axes[0].plot(x, fit.slope_kwh_per_gpu_hour * x + fit.intercept_kwh, color=c, lw=1)
        axes[1].scatter(group["samples_per_gpu_hour"], group["kwh_per_gpu_hour"], s=18, color=c, alpha=0.75,
                        label=model)
        axes[2].scatter(group["updates_per_gpu_hour"], group["kwh_per_gpu_hour"], s=18, color=c, alpha=0.75,
                        label=model)
    axes[0].set(xlabel="GPU-hours", ylabel="energy of the run (kWh, at the wall, PUE 1)",
                title="Energy follows GPU-hours")
    axes[1].set(xlabel="samples per GPU-hour", ylabel="kWh per GPU-hour", xscale="log",
                title="Energy per GPU-hour vs samples per GPU-hour")
    axes[2].set(xlabel="gradient updates per GPU-hour", ylabel="kWh per GPU-hour", xscale="log",
                title="... vs gradient updates per GPU-hour")
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="best")
    finish(fig, "Data-parallel training on DGX A100 nodes: 1-64 GPUs x global batch x local batch "
           "(scenarios/sweeps/dp-energy-scaling.yaml)", path)


def pareto(points):
    """Indices of the points no other beats in both saving (higher) and overhead (lower)."""
    order = sorted(range(len(points)), key=lambda i: (points[i][0], -points[i][1]))
    front, best = [], -np.inf
    for i in order:
        if points[i][1] > best:
            front.append(i)
            best = points[i][1]
    return front


def policy_budgets(df):
    df = df[df.policy != "static"].copy()
    df["budget_pct"] = 100 * df["policies.pass-dvfs.slowdown_budget"]
    return df.sort_values(["workload.model", "policy", "budget_pct"])


def budgets_markdown(df):
    lines = ["| model | policy | budget | energy saving | time overhead |", "|---|---|---|---|---|"]
    for r in df.itertuples():
        lines.append("| %s | %s | %.2f%% | %.2f%% | %.2f%% |" % (
            getattr(r, "_%d" % (df.columns.get_loc("workload.model") + 1)), r.policy, r.budget_pct,
            r.energy_saving_pct, r.time_overhead_pct))
    return "\n".join(lines) + "\n"


def budgets_figure(df, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    models = list(dict.fromkeys(df["workload.model"]))
    fig, axes = plt.subplots(1, len(models), figsize=(5 * len(models), 4.4), squeeze=False)
    # Policies often coincide (phase- and kernel-level DVFS pick the same clocks on a data-parallel step):
    # distinct markers, hollow ones drawn larger and last, keep every series visible.
    style = {"pass-dvfs": dict(marker="o", ms=5, ls="-"), "phase-dvfs": dict(marker="s", ms=5, ls="--"),
             "kernel-dvfs": dict(marker="^", ms=9, ls=":", mfc="none", mew=1.4),
             "critical-path": dict(marker="D", ms=8, ls="-.", mfc="none", mew=1.4)}
    for ax, model in zip(axes[0], models):
        group = df[df["workload.model"] == model]
        for policy, rows in group.groupby("policy", sort=False):
            ax.plot(rows["time_overhead_pct"], rows["energy_saving_pct"], lw=1.2, alpha=0.9, label=policy,
                    **style.get(policy, dict(marker="x")))
        pts = list(zip(group["time_overhead_pct"], group["energy_saving_pct"]))
        front = sorted((pts[i] for i in pareto(pts)))
        ax.step([p[0] for p in front], [p[1] for p in front], where="post", color="black", lw=3, alpha=0.2,
                label="Pareto front (best saving within an overhead)")
        ax.set(title=model, xlabel="time overhead vs static (%)", ylabel="energy saving vs static (%)")
        ax.axhline(0, color="grey", lw=0.6)
        ax.axvline(0, color="grey", lw=0.6)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="lower right")
    finish(fig, "DVFS policies over slowdown budgets 0.25-10% (scenarios/sweeps/policy-budgets.yaml); "
           "saving includes host, fans and PSU at the wall", path)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("study", choices=["dp-energy-scaling", "policy-budgets"])
    parser.add_argument("results", help="the sweep's HDF5 result")
    parser.add_argument("--figure", help="write the figure (PNG)")
    parser.add_argument("--markdown", help="write the table (Markdown)")
    args = parser.parse_args()
    df = load_points(args.results)
    if args.study == "dp-energy-scaling":
        df, fits = dp_energy_scaling(df)
        table = dp_markdown(fits)
        if args.figure:
            dp_figure(df, fits, args.figure)
    else:
        df = policy_budgets(df)
        table = budgets_markdown(df)
        if args.figure:
            budgets_figure(df, args.figure)
    sys.stdout.write(table)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(table)


if __name__ == "__main__":
    main()
