#!/usr/bin/env python3
"""bench/peers/ab.py — two ddbchat configurations alternated in one sitting (p99 decisions).

A tail-latency comparison (the polling-thread count, a scheduler setting) means something only
when both sides run in the same minutes under the same load, one after the other, several
times: on this shared 2-core VM single runs of one build spread 10x with the load.  This runs
run.py (ddbchat only, no limits rows, one start-up) for configuration A, then B, --rounds
times (A first in odd rounds, B first in even ones: the side run first tends to do better
here), with --repeat runs per row each time, notes /proc/loadavg before each, and prints per
workload and connection count every run's p99 and CPU per request and the medians of each side.

    /usr/bin/python3 bench/peers/ab.py --bin build/ddbchat --b "--threads 1" \\
        [--a ""] [--workloads GetItem,GSIQuery] [--conns 8] [--rounds 3] [--repeat 3]
        [--duration 5] [--bin-b OTHER_BUILD] [--server-cpus 0 --wrk-cpus 1] [--fixed-order]

With --startups N it measures start-up only (run.py's probe: exec -> the first ListTables
answered, a fresh data dir, `--dynamodb-only`), N fresh starts a side, A and B alternated
start by start (the order swapped every other pair), and prints each side's median, minimum
and every time: one start each in a sitting's minutes, as a start-up claim needs on this VM.

Compare only a sitting at low load (the 1-minute load printed before each side stays near
what the benchmark itself adds: ~3 here).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def load():
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


def one(binary, args, a, out):
    cmd = [sys.executable, os.path.join(HERE, "run.py"), "--bin", binary, "--targets", "ddbchat",
           "--workloads", a.workloads, "--conns", a.conns, "--repeat", str(a.repeat),
           "--duration", str(a.duration), "--no-limits", "--startups", "1",
           "--ddbchat-args", args, "--json", out]
    if a.server_cpus:
        cmd += ["--server-cpus", a.server_cpus]
    if a.wrk_cpus:
        cmd += ["--wrk-cpus", a.wrk_cpus]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    with open(out) as f:
        work = json.load(f)["results"]["ddbchat"]["work"]
    return {(w, c): runs["runs"] for w, by in work.items() for c, runs in by.items()
            if isinstance(runs, dict) and "runs" in runs}


def startups(a, sides):
    sys.path.insert(0, HERE)
    import run as R  # the probe itself: Target.startup_ms
    got = {name: [] for name, _, _ in sides}
    with tempfile.TemporaryDirectory(prefix="ab.") as tmp:
        for i in range(a.startups):
            for name, binary, args in (sides if i % 2 == 0 else sides[::-1]):
                ns = argparse.Namespace(bin=binary, ddbchat_args=args.split())
                got[name] += R.Target("ddbchat", ns, tmp).startup_ms(1)
    print(f"start-up, {a.startups} fresh starts a side, alternated (load {load()} at the end)")
    for name, binary, args in sides:
        v = sorted(got[name])
        print(f"  {name} ({os.path.basename(binary)} {args or '-'}): median "
              f"{statistics.median(v):.2f} ms, min {v[0]:.2f} ms; all "
              + " ".join(f"{x:.1f}" for x in v))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", required=True, help="ddbchat binary (side A, and B unless --bin-b)")
    ap.add_argument("--bin-b", default=None, help="another binary for side B")
    ap.add_argument("--a", default="", help="extra `ddbchat serve` flags of side A")
    ap.add_argument("--b", default="", help="extra `ddbchat serve` flags of side B")
    ap.add_argument("--workloads", default="GetItem,GSIQuery")
    ap.add_argument("--conns", default="8")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--duration", type=int, default=5)
    ap.add_argument("--server-cpus", default="", help="run.py --server-cpus (taskset -c)")
    ap.add_argument("--wrk-cpus", default="", help="run.py --wrk-cpus (taskset -c)")
    ap.add_argument("--startups", type=int, default=0,
                    help="start-up only: N fresh starts a side, alternated")
    ap.add_argument("--fixed-order", action="store_true",
                    help="A before B in every round (default: the order alternates by round)")
    a = ap.parse_args()
    sides = [("A", a.bin, a.a), ("B", a.bin_b or a.bin, a.b)]
    if a.startups:
        return startups(a, sides)
    got = {"A": {}, "B": {}}
    with tempfile.TemporaryDirectory(prefix="ab.") as tmp:
        for r in range(a.rounds):
            # A then B, then B then A, ...: the side that runs first in a pair did better in
            # all six rounds of two swapped ab.py runs (BENCHMARKS.md "Session 17: cd17"), so
            # a fixed order weighs on one side; --fixed-order keeps the old A, B every round
            order = sides if a.fixed_order or r % 2 == 0 else sides[::-1]
            for name, binary, args in order:
                print(f"round {r + 1} {name} ({os.path.basename(binary)} {args or '-'}): "
                      f"load {load()}", flush=True)
                res = one(binary, args, a, os.path.join(tmp, f"{name}{r}.json"))
                for key, runs in res.items():
                    got[name].setdefault(key, []).extend(runs)
    for key in sorted(got["A"]):
        print(f"\n{key[0]} at {key[1]} connections")
        for name, _, args in sides:
            runs = got[name].get(key, [])
            if not runs:
                continue
            p99 = [r["p99"] for r in runs]
            cpu = [r["cpu_us"] for r in runs]
            rps = [r["rps"] for r in runs]
            srv = [r["srv_p99"] for r in runs if r.get("srv_p99") is not None]
            print(f"  {name} {args or '(default)'}: p99 median {statistics.median(p99):.2f} ms "
                  f"({', '.join(f'{x:.2f}' for x in p99)}); CPU {statistics.median(cpu):.1f} us"
                  + (f" (kernel {statistics.median(r['sys_us'] for r in runs):.1f})"
                     if all("sys_us" in r for r in runs) else "") + "; "
                  f"{statistics.median(rps):,.0f}/s; waiting for a CPU "
                  f"{statistics.median(r.get('rqwait_us', 0.0) for r in runs):.1f} us/req"
                  + (f"; the server's own p99 <= {statistics.median(srv):g} ms" if srv else ""))


if __name__ == "__main__":
    main()
