#!/usr/bin/python3
"""Kills `wattsim run` at random moments (SIGKILL) and interrupts it (SIGINT, SIGTERM): the output file must
always be either absent or the previous complete one, never a truncated file; SIGINT and SIGTERM must stop
with exit 130 and 143, a message, and no temporary file left (a SIGKILL cannot be caught, so its private
temporary directory, .wattsim-XXXXXX, stays).

Usage: crash_safety.py WATTSIM_BINARY SCENARIO WORKDIR
"""
import os
import random
import shutil
import signal
import subprocess
import sys
import time

import h5py


def complete(path):
    with h5py.File(path, "r") as f:
        return "step_time_s" in f["/policies/static/summary"].attrs and "comparison" in f


def main():
    binary, scenario, workdir = sys.argv[1:4]
    os.makedirs(workdir, exist_ok=True)
    out = os.path.join(workdir, "out.h5")
    for name in os.listdir(workdir):  # a previous run's files, "never.h5" included when it finished first
        path = os.path.join(workdir, name)
        shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
    rng = random.Random(7)
    start = time.time()
    subprocess.run([binary, "run", scenario, "-o", out, "--summary", "none"], check=True)
    full_run = time.time() - start
    assert complete(out)
    before = os.path.getmtime(out)
    for trial in range(12):
        p = subprocess.Popen([binary, "run", scenario, "-o", out, "--summary", "none"])
        time.sleep(rng.uniform(0, 1.2 * full_run))
        p.send_signal(signal.SIGKILL)
        p.wait()
        assert os.path.exists(out) and complete(out), f"trial {trial}: output not complete after SIGKILL"
        leftovers = [n for n in os.listdir(workdir) if n != "out.h5" and not n.startswith(".wattsim-")]
        assert not leftovers, leftovers
    codes = []
    for sig, code, name in ((signal.SIGINT, 130, "SIGINT"), (signal.SIGTERM, 143, "SIGTERM")):
        temporaries = {n for n in os.listdir(workdir) if n.startswith(".wattsim-")}
        never = os.path.join(workdir, "never.h5")
        p = subprocess.Popen([binary, "run", scenario, "-o", never, "--summary", "none"],
                             stderr=subprocess.PIPE, text=True)
        time.sleep(0.3 * full_run)
        p.send_signal(sig)
        _, err = p.communicate()
        codes.append(p.returncode)
        if p.returncode == code:
            assert f"interrupted by {name}; nothing written" in err, err
            assert not os.path.exists(never)
            now = {n for n in os.listdir(workdir) if n.startswith(".wattsim-")}
            assert now == temporaries, f"{name} left {now - temporaries}"
        else:  # finished before the signal arrived
            assert p.returncode == 0, (p.returncode, err)
            os.remove(never)
    print(f"crash safety ok: 12 SIGKILLs, SIGINT exit {codes[0]}, SIGTERM exit {codes[1]}; full run {full_run:.2f} s; "
          f"first write {before}")


if __name__ == "__main__":
    main()
