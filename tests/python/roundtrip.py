#!/usr/bin/python3
"""YAML -> wattsim run -> HDF5 -> Python: the file opens with Debian's h5py and reads into pandas.

Usage: roundtrip.py WATTSIM_BINARY SCENARIO WORKDIR
"""
import os
import subprocess
import sys

import h5py
import numpy as np
import pandas as pd


def main():
    binary, scenario, workdir = sys.argv[1:4]
    os.makedirs(workdir, exist_ok=True)
    out = os.path.join(workdir, "roundtrip.h5")
    json_run = subprocess.run([binary, "run", scenario, "-o", out, "--summary", "json"],
                              check=True, capture_output=True, text=True)
    import json
    summary = json.loads(json_run.stdout)

    with h5py.File(out, "r") as f:
        assert f.attrs["wattsim_version"], "version attribute"
        assert "scenario_yaml" in f
        for policy in ("static", "pass-dvfs"):
            attrs = f[f"/policies/{policy}/summary"].attrs
            for key in ("step_time_s", "energy_per_step_j", "energy_j", "avg_power_w", "co2e_kg", "mfu"):
                value = float(attrs[key])
                assert np.isfinite(value), (policy, key)
                expected = summary["policies"][policy][key]
                assert value == expected, (policy, key, value, expected)
            parts = sum(float(attrs[k]) for k in ("energy_gpu_busy_j", "energy_gpu_wait_j", "energy_memory_j",
                                                   "energy_network_j", "energy_host_j", "energy_fans_j",
                                                   "energy_psu_loss_j"))
            assert abs(parts - float(attrs["energy_j"])) <= 1e-9 * parts, "parts sum to total"
            layers = pd.DataFrame(f[f"/policies/{policy}/layers"][()])
            in_layers = layers[["forward_run_j", "backward_run_j"]].to_numpy().sum()
            assert abs(in_layers - float(attrs["energy_j"])) <= 1e-9 * in_layers, "layers sum to total"
            steps = pd.DataFrame(f[f"/policies/{policy}/steps"][()])
            assert len(steps) >= 1 and (steps["energy_j"] > 0).all()
            if f.attrs["trace"] == b"full" or f.attrs["trace"] == "full":
                events = pd.DataFrame(f[f"/policies/{policy}/events"][()])
                power = pd.DataFrame(f[f"/policies/{policy}/power"][()])
                integral = ((power.t1_s - power.t0_s) * power.watts).sum()
                gpu = steps[["gpu_busy_j", "gpu_wait_j", "memory_j"]].sum().sum()
                assert abs(integral - gpu) <= 1e-6 * gpu, (integral, gpu)
                assert len(events) > 0
        comparison = pd.DataFrame(f["/comparison"][()])
        comparison["policy"] = comparison["policy"].str.decode("utf-8")
        row = comparison.set_index("policy").loc["pass-dvfs"]
        assert row.energy_saving_pct >= 0.0
    print("roundtrip ok:", out)


if __name__ == "__main__":
    main()
