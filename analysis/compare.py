#!/usr/bin/python3
"""Policy comparison table and figures from a wattsim HDF5 file.

    /usr/bin/python3 analysis/compare.py out.h5 [--figures DIR]

Prints one row per policy (step time, energy per step, run energy, saving and overhead against static) and,
with --figures, writes energy_breakdown.png, layer_energy.png (energy per layer, forward and backward) and,
for files written with `trace: full`, power_timeline.png.
Uses Debian's python3-h5py, python3-pandas and python3-matplotlib.
"""
import argparse
import os
import sys

import h5py
import pandas as pd

PARTS = ["energy_gpu_busy_j", "energy_gpu_wait_j", "energy_memory_j", "energy_network_j", "energy_host_j",
         "energy_fans_j", "energy_psu_loss_j"]


def summaries(f):
    rows = []
    for name, group in f["policies"].items():
        attrs = {k: float(v) for k, v in group["summary"].attrs.items()}
        attrs["policy"] = name
        rows.append(attrs)
    table = pd.DataFrame(rows).set_index("policy")
    comparison = pd.DataFrame(f["comparison"][()])
    comparison["policy"] = comparison["policy"].str.decode("utf-8")
    return table.join(comparison.set_index("policy"))


def print_table(table):
    columns = {
        "step_time_s": ("step s", "{:.4f}"),
        "energy_per_step_j": ("J/step", "{:.1f}"),
        "avg_gpu_power_w": ("GPU W", "{:.1f}"),
        "mfu": ("MFU", "{:.3f}"),
        "energy_j": ("run kWh", None),
        "co2e_kg": ("CO2e kg", "{:.1f}"),
        "energy_saving_pct": ("saving %", "{:.2f}"),
        "time_overhead_pct": ("overhead %", "{:.2f}"),
    }
    out = pd.DataFrame(index=table.index)
    for key, (label, fmt) in columns.items():
        if key == "energy_j":
            out[label] = (table[key] / 3.6e6).map("{:.1f}".format)
        else:
            out[label] = table[key].map(fmt.format)
    print(out.to_string())


def figures(f, table, directory):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    os.makedirs(directory, exist_ok=True)
    parts = table[PARTS] / 3.6e6
    parts.columns = [c.replace("energy_", "").replace("_j", "") for c in PARTS]
    ax = parts.plot.bar(stacked=True, figsize=(6, 4))
    ax.set_ylabel("run energy (kWh)")
    ax.set_title(f.attrs["scenario_name"])
    plt.tight_layout()
    plt.savefig(os.path.join(directory, "energy_breakdown.png"), dpi=120)
    plt.close()

    # Energy per layer of one step, forward and backward (the layers table sums to the step's energy).
    static_layers = pd.DataFrame(f["/policies/static/layers"][()])
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.bar(static_layers.layer, static_layers.forward_step_j / 1e3, label="static forward", color="#9ecae1")
    ax.bar(static_layers.layer, static_layers.backward_step_j / 1e3, bottom=static_layers.forward_step_j / 1e3,
           label="static backward", color="#3182bd")
    for name, group in f["policies"].items():
        layers = pd.DataFrame(group["layers"][()])
        if name != "static" and len(layers) == len(static_layers):
            ax.plot(layers.layer, (layers.forward_step_j + layers.backward_step_j) / 1e3, linewidth=0.8,
                    label=name)
    ax.set_xlabel("layer (last: optimizer step, with the wait before it)")
    ax.set_ylabel("energy per step (kJ)")
    ax.legend(fontsize=7)
    plt.tight_layout()
    plt.savefig(os.path.join(directory, "layer_energy.png"), dpi=120)
    plt.close()

    if all("power" in group for group in f["policies"].values()):
        fig, ax = plt.subplots(figsize=(8, 4))
        for name, group in f["policies"].items():
            power = pd.DataFrame(group["power"][()])
            gpu0 = power[power.gpu == 0]
            # Piecewise-constant: draw each segment as a step.
            times = pd.concat([gpu0.t0_s, gpu0.t1_s]).sort_values().to_numpy()
            watts = gpu0.set_index("t0_s").watts.reindex(times, method="ffill").to_numpy()
            ax.step(times, watts, where="post", label=name, linewidth=0.8)
        ax.set_xlabel("simulated time (s)")
        ax.set_ylabel("GPU 0 power (W)")
        ax.legend()
        plt.tight_layout()
        plt.savefig(os.path.join(directory, "power_timeline.png"), dpi=120)
        plt.close()


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--figures", metavar="DIR", help="write PNG figures here")
    args = parser.parse_args(argv)
    with h5py.File(args.file, "r") as f:
        table = summaries(f)
        print_table(table)
        if args.figures:
            figures(f, table, args.figures)
            print(f"figures written to {args.figures}")


if __name__ == "__main__":
    main(sys.argv[1:])
