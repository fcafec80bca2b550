#!/usr/bin/python3
"""The reliability review's process-level classes, run as a user would: inputs that are not regular files,
outputs that would damage something, a full disk, and SIGINT/SIGTERM in the middle of planning.

Usage: hostile_process.py WATTSIM_BINARY SOURCE_DIR WORKDIR
"""
import hashlib
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import time

import h5py


def run(binary, *args, timeout=60, preexec=None):
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=timeout, preexec_fn=preexec)


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main():
    binary, source, work = sys.argv[1:4]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    small = os.path.join(work, "small.yaml")
    shutil.copy(os.path.join(source, "scenarios/examples/bert-large-1xa100.yaml"), small)

    # Inputs that are not regular files: an error naming the path, never a read that blocks.
    fifo = os.path.join(work, "pipe.yaml")
    os.mkfifo(fifo)
    for path, kind in ((fifo, "a FIFO"), ("/dev/zero", "a character device"), (work, "a directory")):
        r = run(binary, "run", path, timeout=10)
        assert r.returncode == 2 and kind in r.stderr, (path, r.returncode, r.stderr)

    # Outputs that would damage something are refused before anything runs, and nothing changes.
    before = digest(small)
    r = run(binary, "run", small, "-o", small)
    assert r.returncode == 2 and "it is an input of this run" in r.stderr, r.stderr
    assert digest(small) == before
    r = run(binary, "run", small, "-o", "/dev/null")
    assert r.returncode == 2 and "not a regular file" in r.stderr, r.stderr
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    r = run(binary, "validate", small, "-o", os.path.join(work, "missing", "out.h5"))
    assert r.returncode == 2 and "does not exist" in r.stderr, r.stderr

    # Links planted where an output's temporary file might go are never followed: the temporary file lives
    # in a fresh private directory.
    victim = os.path.join(work, "victim.txt")
    with open(victim, "w") as f:
        f.write("precious")
    for name in [".out.h5.tmp.%d" % pid for pid in range(os.getpid(), os.getpid() + 200)] + [".wattsim-out"]:
        os.symlink(victim, os.path.join(work, name))
    out = os.path.join(work, "out.h5")
    r = run(binary, "run", small, "-o", out, "--summary", "none")
    assert r.returncode == 0, r.stderr
    assert open(victim).read() == "precious"
    with h5py.File(out, "r") as f:
        assert "comparison" in f
        # No column of NaN: energy to accuracy only for workloads with a convergence model.
        assert "e2a_improvement_pct" not in f["comparison"].dtype.names or \
            all(v == v for v in f["comparison"]["e2a_improvement_pct"])

    # A full disk (here: a file-size limit) is a clean failure: exit 1, a message, nothing left, no crash.
    full = os.path.join(work, "full.yaml")
    with open(os.path.join(source, "scenarios/examples/gpt-1.3b-8xh100.yaml")) as f:
        text = f.read().replace("trace: steps", "trace: full")
    with open(full, "w") as f:
        f.write(text)

    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))

    entries = set(os.listdir(work))
    r = run(binary, "run", full, "-o", os.path.join(work, "full.h5"), "--summary", "none", preexec=limit)
    assert r.returncode == 1 and "cannot write the output" in r.stderr, (r.returncode, r.stderr)
    assert set(os.listdir(work)) == entries, set(os.listdir(work)) - entries

    # SIGINT and SIGTERM stop a long planning phase (kernel-level DVFS on GPT-3 175B) within seconds.
    long = os.path.join(work, "long.yaml")
    with open(os.path.join(source, "scenarios/examples/gpt3-175b-1024xa100.yaml")) as f:
        text = f.read()
    text = text[:text.index("policies:")] + "policies: [static, kernel-dvfs]\ntrace: summary\n"
    with open(long, "w") as f:
        f.write(text)
    for sig, code in ((signal.SIGINT, 130), (signal.SIGTERM, 143)):
        p = subprocess.Popen([binary, "run", long, "-o", os.path.join(work, "long.h5"), "--summary", "none"],
                             stderr=subprocess.PIPE, text=True)
        time.sleep(2.0)
        sent = time.time()
        p.send_signal(sig)
        _, err = p.communicate(timeout=30)
        waited = time.time() - sent
        assert p.returncode == code, (p.returncode, err)
        assert waited < 3.0, f"{sig.name} took {waited:.1f} s to honour"
        assert not os.path.exists(os.path.join(work, "long.h5"))
        assert not [n for n in os.listdir(work) if n.startswith(".wattsim-") and os.path.isdir(os.path.join(work, n))]
        print(f"{sig.name}: exit {p.returncode} after {waited:.2f} s")
    print("hostile process inputs ok")


if __name__ == "__main__":
    main()
