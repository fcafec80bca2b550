#!/usr/bin/python3
"""The shipped scenarios/sweeps/slurm-array.sbatch submitted to a real single-node SLURM: munged,
slurmctld and slurmd started on this machine with a private configuration (their own ports, state and
socket under WORKDIR), the array's shards merged, the result compared with the same sweep run locally,
the daemons stopped. Where SLURM is not installed (Debian's slurmctld, slurmd, slurm-client and munge:
`scripts/setup.sh --slurm`) or cannot start here, the test says why and exits 77, which ctest reports as
skipped.

usage: slurm_array.py WATTSIM SOURCE_DIR WORKDIR
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import h5py
import numpy as np

from tiny_sweep import BASE

WATTSIM, SOURCE, WORK = (os.path.abspath(p) for p in sys.argv[1:4])
SKIP = 77


def skip(why):
    print("SKIP: " + why)
    sys.exit(SKIP)


for tool in ("munged", "slurmctld", "slurmd", "sbatch", "sinfo", "scontrol"):
    if not shutil.which(tool) and not os.path.exists("/usr/sbin/" + tool):
        skip("%s is not installed (scripts/setup.sh --slurm installs Debian's slurm-wlm daemons and munge)" % tool)
if os.geteuid() != 0:
    skip("starting slurmd and munged on this machine needs root")

shutil.rmtree(WORK, ignore_errors=True)
for d in ("state", "spool", "munge", "parts", "logs"):
    os.makedirs(os.path.join(WORK, d))
os.chmod(os.path.join(WORK, "munge"), 0o700)
host = socket.gethostname()
cpus = os.cpu_count() or 1


def free_port():
    with socket.socket() as s:
        s.bind(("", 0))
        return s.getsockname()[1]


conf = os.path.join(WORK, "slurm.conf")
munge_socket = os.path.join(WORK, "munge", "munge.socket")
with open(conf, "w") as f:
    f.write("""ClusterName=wattsimtest
SlurmctldHost={host}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket={sock}
CredType=cred/munge
StateSaveLocation={w}/state
SlurmdSpoolDir={w}/spool
SlurmctldPidFile={w}/slurmctld.pid
SlurmdPidFile={w}/slurmd.pid
SlurmctldPort={p1}
SlurmdPort={p2}
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SlurmctldLogFile={w}/logs/slurmctld.log
SlurmdLogFile={w}/logs/slurmd.log
NodeName={host} CPUs={cpus} RealMemory=1000 State=UNKNOWN
PartitionName=wattsim Nodes={host} Default=YES MaxTime=INFINITE State=UP
""".format(host=host, sock=munge_socket, w=WORK, p1=free_port(), p2=free_port(), cpus=cpus))
env = dict(os.environ, SLURM_CONF=conf)
key = "/etc/munge/munge.key"


def tail(path, lines=8):
    try:
        with open(path) as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return "(no log)"


def daemon(*args):
    return subprocess.run(list(args), env=env, capture_output=True, text=True, timeout=60)


started = []


def stop():
    daemon("scontrol", "shutdown")
    time.sleep(1)
    for pidfile in ("slurmd.pid", "slurmctld.pid", "munge/munged.pid"):
        try:
            with open(os.path.join(WORK, pidfile)) as f:
                os.kill(int(f.read().strip()), signal.SIGTERM)
        except (OSError, ValueError):
            pass


try:
    if not os.path.exists(key):
        skip("munge has no key (%s); the munge package creates one" % key)
    r = daemon("munged", "--force", "--socket=" + munge_socket, "--pid-file=" + os.path.join(WORK, "munge", "munged.pid"),
               "--log-file=" + os.path.join(WORK, "munge", "munged.log"), "--seed-file=" + os.path.join(WORK, "munge", "seed"))
    if r.returncode != 0:
        skip("munged could not start: " + (r.stderr or tail(os.path.join(WORK, "munge", "munged.log"))))
    r = daemon("slurmctld", "-c", "-i")
    if r.returncode != 0:
        skip("slurmctld could not start: " + (r.stderr or tail(os.path.join(WORK, "logs", "slurmctld.log"))))
    r = daemon("slurmd")
    if r.returncode != 0:
        skip("slurmd could not start: " + (r.stderr or tail(os.path.join(WORK, "logs", "slurmd.log"))))
    deadline = time.time() + 45
    while time.time() < deadline:
        r = daemon("sinfo", "-h", "-o", "%T")
        if r.returncode == 0 and r.stdout.strip() in ("idle", "mixed"):
            break
        time.sleep(0.5)
    else:
        skip("the SLURM node never became idle: sinfo says %r; slurmctld.log:\n%s\nslurmd.log:\n%s" % (
            r.stdout.strip() + r.stderr.strip(), tail(os.path.join(WORK, "logs", "slurmctld.log")),
            tail(os.path.join(WORK, "logs", "slurmd.log"))))

    # A small sweep: the shipped batch file, three array tasks on one CPU each.
    sweep = os.path.join(WORK, "sweep.yaml")
    with open(os.path.join(WORK, "base.yaml"), "w") as f:
        f.write(BASE)
    with open(sweep, "w") as f:
        f.write("""name: slurm-test
base: base.yaml
grid:
  hardware.gpus: [1, 2, 4]
  workload.global_batch: [32, 64, 128]
""")
    r = subprocess.run(
        ["sbatch", "--wait", "--array=0-2", "--cpus-per-task=1", "--chdir=" + WORK,
         "--output=" + os.path.join(WORK, "logs", "task-%a.log"),
         "--export=ALL,SWEEP=%s,OUT=%s,WATTSIM=%s" % (sweep, os.path.join(WORK, "parts"), WATTSIM),
         os.path.join(SOURCE, "scenarios", "sweeps", "slurm-array.sbatch")],
        env=env, capture_output=True, text=True, timeout=600)
    logs = "".join(tail(os.path.join(WORK, "logs", "task-%d.log" % i), 4) for i in range(3))
    if r.returncode != 0:
        print("FAIL: sbatch --wait exited %d: %s\n%s" % (r.returncode, r.stderr, logs))
        sys.exit(1)
    parts = sorted(os.path.join(WORK, "parts", p) for p in os.listdir(os.path.join(WORK, "parts")) if p.endswith(".h5"))
    print("array tasks wrote", [os.path.basename(p) for p in parts])
    if len(parts) != 3:
        print("FAIL: expected three shard files\n" + logs)
        sys.exit(1)
    merged = os.path.join(WORK, "merged.h5")
    r = subprocess.run([WATTSIM, "merge", *parts, "-o", merged], capture_output=True, text=True)
    local = os.path.join(WORK, "local.h5")
    r2 = subprocess.run([WATTSIM, "sweep", sweep, "-o", local, "-j", "1"], capture_output=True, text=True)
    if r.returncode != 0 or r2.returncode != 0:
        print("FAIL: merge or local run failed: %s %s" % (r.stderr, r2.stderr))
        sys.exit(1)
    with h5py.File(merged, "r") as a, h5py.File(local, "r") as b:
        x, y = a["points"][()], b["points"][()]
        same = x.dtype == y.dtype and len(x) == len(y) and all(
            np.array_equal(x[c], y[c], equal_nan=x[c].dtype.kind == "f") for c in x.dtype.names)
    print(("ok   " if same else "FAIL ") + "slurm-array.sbatch on a real SLURM, merged: identical /points to a local run "
          "(%d rows)" % len(x))
    sys.exit(0 if same else 1)
finally:
    stop()
