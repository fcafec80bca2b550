#!/usr/bin/python3
"""Golden outputs: a shipped scenario's summary, compared number by number with the committed one.

Usage: golden.py WATTSIM_BINARY SCENARIO GOLDEN.json [--update]

Runs `wattsim run SCENARIO --summary json` and compares every value, and each policy's fingerprint (a hash of
the simulated steps' (time, task id) completion sequence), with GOLDEN.json. Numbers must be equal exactly:
the same scenario and seed give bit-identical results, so any difference is a change in the model or the
engine, and the commit that makes it regenerates the file (scripts/golden.sh) and says why. --update writes
GOLDEN.json instead of comparing.
"""
import json
import math
import subprocess
import sys


def run(binary, scenario):
    out = subprocess.run([binary, "run", scenario, "--summary", "json"], check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out)


def differences(expected, actual, path=""):
    """Yields 'path: expected -> actual' for every leaf that differs (NaN equals NaN; null is NaN)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(set(expected) | set(actual)):
            if key not in actual:
                yield f"{path}/{key}: missing now"
            elif key not in expected:
                yield f"{path}/{key}: new ({actual[key]!r})"
            else:
                yield from differences(expected[key], actual[key], f"{path}/{key}")
    elif isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            yield f"{path}: {len(expected)} entries -> {len(actual)}"
        for i, (e, a) in enumerate(zip(expected, actual)):
            yield from differences(e, a, f"{path}[{i}]")
    elif isinstance(expected, (int, float)) and isinstance(actual, (int, float)) \
            and not isinstance(expected, bool):
        if not (expected == actual or (math.isnan(expected) and math.isnan(actual))):
            change = f" ({100 * (actual - expected) / expected:+.3g}%)" if expected else ""
            yield f"{path}: {expected!r} -> {actual!r}{change}"
    elif expected != actual and not (expected is None and isinstance(actual, float) and math.isnan(actual)):
        yield f"{path}: {expected!r} -> {actual!r}"


def main():
    args = [a for a in sys.argv[1:] if a != "--update"]
    if len(args) != 3:
        sys.exit(__doc__)
    binary, scenario, golden = args
    actual = run(binary, scenario)
    if "--update" in sys.argv:
        with open(golden, "w") as f:
            json.dump(actual, f, indent=1, sort_keys=False)
            f.write("\n")
        print(f"wrote {golden}")
        return
    with open(golden) as f:
        expected = json.load(f)
    found = list(differences(expected, actual))
    if found:
        print(f"{scenario} differs from {golden} in {len(found)} values:")
        for line in found[:40]:
            print("  " + line)
        print("If the change is intended, regenerate with scripts/golden.sh and say why in the commit.")
        sys.exit(1)
    print(f"{scenario}: identical to {golden}")


if __name__ == "__main__":
    main()
