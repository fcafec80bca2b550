#!/usr/bin/python3
"""Kills `wattsim run` at random moments (SIGKILL) and interrupts it (SIGINT): the output file must always
be either absent or the previous complete one, never a truncated file; SIGINT must stop with exit 130
and a message.

Usage: crash_safety.py WATTSIM_BINARY SCENARIO WORKDIR
"""
import os
import random
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
        os.remove(os.path.join(workdir, name))
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
        leftovers = [n for n in os.listdir(workdir) if n != "out.h5" and not n.startswith(".out.h5.tmp")]
        assert not leftovers, leftovers
    p = subprocess.Popen([binary, "run", scenario, "-o", os.path.join(workdir, "never.h5"), "--summary", "none"],
                         stderr=subprocess.PIPE, text=True)
    time.sleep(0.3 * full_run)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate()
    if p.returncode == 130:
        assert "interrupted; nothing written" in err, err
        assert not os.path.exists(os.path.join(workdir, "never.h5"))
    else:  # finished before the signal arrived
        assert p.returncode == 0, (p.returncode, err)
    print(f"crash safety ok: 12 SIGKILLs, SIGINT exit {p.returncode}; full run {full_run:.2f} s; first write {before}")


if __name__ == "__main__":
    main()
