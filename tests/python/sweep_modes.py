#!/usr/bin/python3
"""Sweeps as processes: the same sweep gives identical /points and /infeasible tables with 1 thread, 2
threads, `mpirun -n 3` (when wattsim was built with MPI) and 3 shards merged; a sweep killed with SIGKILL
mid-way leaves a readable file and resumes with no duplicates and no gaps; SIGINT stops after the points
in flight (exit 130) and says how to resume; infeasible points are listed with their reasons; malformed
sweep files exit 2 with file:line:col and write nothing; a point re-run alone with `wattsim run` gives what
it gave inside the sweep.

usage: sweep_modes.py WATTSIM WORKDIR
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import h5py
import numpy as np

from tiny_sweep import BASE

WATTSIM, WORK = sys.argv[1], sys.argv[2]
shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)

SWEEP = """\
name: modes
base: base.yaml
grid:
  hardware.gpus: [1, 2, 4]
  parallelism.tp: [1, 2, 3]
  workload.global_batch: [32, 64]
derived:
  parallelism.dp: gpus / tp
constraints:
  - require: tp <= gpus
    reason: tensor parallelism wider than the cluster
"""
with open(os.path.join(WORK, "base.yaml"), "w") as f:
    f.write(BASE)
with open(os.path.join(WORK, "sweep.yaml"), "w") as f:
    f.write(SWEEP)
sweep = os.path.join(WORK, "sweep.yaml")
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def run(*args, **kw):
    return subprocess.run([WATTSIM, *args], capture_output=True, text=True, timeout=600, **kw)


def tables(path):
    with h5py.File(path, "r") as f:
        return {name: f[name][()] for name in ("points", "infeasible", "failed")}


def identical(a, b):
    for name in a:
        x, y = a[name], b[name]
        if x.dtype != y.dtype or len(x) != len(y):
            return False
        for col in x.dtype.names:
            if x[col].dtype.kind == "f":
                if not np.array_equal(x[col], y[col], equal_nan=True):
                    return False
            elif not np.array_equal(x[col], y[col]):
                return False
    return True


def out(name):
    return os.path.join(WORK, name)


# The reference: one thread.
r = run("sweep", sweep, "-o", out("one.h5"), "-j", "1")
check(r.returncode == 0, "one thread: exit 0 (%d: %s)" % (r.returncode, r.stderr[-300:]))
reference = tables(out("one.h5"))
n_points, n_infeasible = len(set(reference["points"]["point_index"])), len(reference["infeasible"])
check(n_points + n_infeasible == 18, "every point is simulated or listed infeasible (%d + %d)" % (n_points, n_infeasible))
reasons = [x.decode() for x in reference["infeasible"]["reason"]]
check(reasons.count("tensor parallelism wider than the cluster") == 6, "constraint drops carry their reason")
check(any("parallelism.dp" in x and "integer" in x for x in reasons),
      "the scenario's own checks drop dp = 4/3 with the diagnostic validate gives")
check("infeasible (dropped, with the reason)" in r.stderr and "tensor parallelism wider" in r.stderr,
      "infeasible points are listed on stderr")
check(not os.path.exists(out("one.h5.journal")), "a complete sweep leaves no journal")
check(identical(reference, tables(out("one.h5"))), "reading twice gives the same tables")

# Two threads.
r = run("sweep", sweep, "-o", out("two.h5"), "-j", "2", "--csv")
check(r.returncode == 0 and identical(reference, tables(out("two.h5"))), "2 threads: identical /points")
with open(out("two.csv")) as f:
    header = f.readline().strip().split(",")
check(header[:6] == ["point_index", "point_id", "policy", "hardware.gpus", "parallelism.tp", "workload.global_batch"],
      "the CSV has the table's columns")

# Per-point traces only when asked: one file per simulated point, in `wattsim run -o`'s layout.
os.makedirs(out("traces"))
r = run("sweep", sweep, "-o", out("traced.h5"), "--traces", out("traces"))
ids = sorted(set(x.decode() for x in reference["points"]["point_id"]))
files = sorted(f[:-3] for f in os.listdir(out("traces")) if f.endswith(".h5"))
ok = r.returncode == 0 and files == ids
for name in files[:2]:
    with h5py.File(os.path.join(out("traces"), name + ".h5"), "r") as f:
        ok = ok and "policies" in f and f.attrs["wattsim_version"] != b""
check(ok and identical(reference, tables(out("traced.h5"))), "--traces writes one run file per simulated point")

# Three shards, merged.
for i in range(3):
    r = run("sweep", sweep, "-o", out("part-{shard}.h5"), "--shard", "%d/3" % i)
    check(r.returncode == 0, "shard %d/3 runs" % i)
r = run("merge", out("part-0.h5"), out("part-1.h5"), out("part-2.h5"), "-o", out("merged.h5"))
check(r.returncode == 0 and identical(reference, tables(out("merged.h5"))), "3 shards merged: identical /points")
r = run("merge", out("part-0.h5"), out("part-1.h5"), out("part-1.h5"), "-o", out("gaps.h5"))
check(r.returncode == 1 and "missing" in r.stderr and "duplicate" in r.stderr, "merge reports missing and duplicate points")

# SLURM's array variables pick the shard.
env = dict(os.environ, SLURM_ARRAY_TASK_ID="5", SLURM_ARRAY_TASK_MIN="4", SLURM_ARRAY_TASK_COUNT="3")
r = run("sweep", sweep, "-o", out("slurm-{shard}.h5"), env=env)
check(r.returncode == 0 and identical(tables(out("part-1.h5")), tables(out("slurm-1.h5"))),
      "SLURM_ARRAY_TASK_ID 5 of an array from 4 runs shard 1/3")

# MPI, when built in.
mpirun = shutil.which("mpirun")
if mpirun and "mpi" in run("--version").stdout:
    # Open MPI keeps some allocations to the end of the process: LeakSanitizer (the asan presets) would
    # report them as the run's own.
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") + ":detect_leaks=0")
    r = subprocess.run([mpirun, "-n", "3", "--oversubscribe", WATTSIM, "sweep", sweep, "-o", out("mpi.h5")],
                       capture_output=True, text=True, timeout=600, env=env)
    check(r.returncode == 0 and identical(reference, tables(out("mpi.h5"))),
          "mpirun -n 3: identical /points (%d: %s)" % (r.returncode, r.stderr[-300:]))
else:
    print("skip mpirun: wattsim built without MPI or mpirun missing")

# A point alone.
first = reference["points"][0]
point_id = first["point_id"].decode()
r = run("sweep", sweep, "--point", point_id)
with open(out("alone.yaml"), "w") as f:
    f.write(r.stdout)
r = run("run", out("alone.yaml"), "--summary", "json")
summary = json.loads(r.stdout)
static = summary["policies"]["static"]
check(static["energy_j"] == first["energy_j"] and static["step_time_s"] == first["step_time_s"],
      "point %s re-run alone gives the sweep's numbers" % point_id)

# Killed with SIGKILL mid-way, then resumed: no duplicates, no gaps, the same tables.
BIG = SWEEP.replace("workload.global_batch: [32, 64]", "workload.global_batch: [32, 64, 128, 256]\n  energy.pue: [1.1, 1.2, 1.3]")
with open(out("big.yaml"), "w") as f:
    f.write(BIG)
r = run("sweep", out("big.yaml"), "-o", out("big-ref.h5"), "-j", "2")
big_reference = tables(out("big-ref.h5"))
p = subprocess.Popen([WATTSIM, "sweep", out("big.yaml"), "-o", out("big.h5"), "-j", "2", "--checkpoint", "0"],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
journal = out("big.h5.journal")
deadline = time.time() + 120
while time.time() < deadline and p.poll() is None:
    if os.path.exists(journal) and os.path.exists(out("big.h5")):
        with h5py.File(out("big.h5"), "r") as f:
            if len(f["points"]) + len(f["infeasible"]) >= 10:
                break
    time.sleep(0.01)
p.send_signal(signal.SIGKILL)
p.wait()
with h5py.File(out("big.h5"), "r") as f:
    partial = len(set(f["points"]["point_index"])) + len(f["infeasible"])
    check(f.attrs["complete"] == 0, "the file a SIGKILL leaves is readable and says it is incomplete (%d points)" % partial)
r = run("sweep", out("big.yaml"), "-o", out("big.h5"), "-j", "2")
resumed = tables(out("big.h5"))
rows = list(zip(resumed["points"]["point_index"], resumed["points"]["policy"]))
indices = sorted(set(resumed["points"]["point_index"])) + list(resumed["infeasible"]["point_index"])
check("already finished" in r.stderr, "the rerun resumes (%s)" % r.stderr.splitlines()[0])
check(sorted(indices) == list(range(108)) and len(rows) == len(set(rows)),
      "resume after SIGKILL: every point once, no gaps")
check(identical(big_reference, resumed), "resume after SIGKILL: identical /points")

# SIGINT: the points in flight finish, exit 130, the message says how to resume.
os.remove(out("big.h5"))
p = subprocess.Popen([WATTSIM, "sweep", out("big.yaml"), "-o", out("big.h5"), "-j", "2"],
                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
time.sleep(0.3)
p.send_signal(signal.SIGINT)
_, err = p.communicate(timeout=120)
check(p.returncode in (130, 0), "SIGINT: exit 130 (or 0 when it had finished): %d" % p.returncode)
if p.returncode == 130:
    check("run the same command again to resume" in err, "SIGINT says how to resume")
r = run("sweep", out("big.yaml"), "-o", out("big.h5"), "-j", "2")
check(identical(big_reference, tables(out("big.h5"))), "resume after SIGINT: identical /points")

# Malformed sweep files: file:line:col, exit 2, nothing written.
bad = {
    "unknown key path": (SWEEP.replace("parallelism.tp: [1, 2, 3]", "parallelism.tpp: [1, 2, 3]"), r":5:3: unknown key path 'parallelism.tpp'"),
    "empty axis": (SWEEP.replace("[32, 64]", "[]"), r":6:26: empty axis"),
    "zip of unequal lengths": (SWEEP.replace("grid:", "zip:").replace("[1, 2, 4]", "[1, 2]"), r":5:19: zip of unequal lengths"),
    "expression error": (SWEEP.replace("gpus / tp", "gpus / / tp"), r":8:26: expression error"),
}
for what, (text, pattern) in bad.items():
    path = out("bad.yaml")
    with open(path, "w") as f:
        f.write(text)
    r = run("sweep", path, "-o", out("bad.h5"))
    check(r.returncode == 2 and re.search(re.escape(path) + pattern, r.stderr) is not None
          and not os.path.exists(out("bad.h5")),
          "%s: exit 2 at its position (%d: %s)" % (what, r.returncode, r.stderr.strip()[:160]))

print("%d failure(s)" % len(failures))
sys.exit(1 if failures else 0)
