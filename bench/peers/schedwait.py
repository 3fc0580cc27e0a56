#!/usr/bin/env python3
"""bench/peers/schedwait.py — what the server's polling threads and wrk wait for (the p99 tail).

run.py's "server p99" (the server's own histogram of request handling) stays <= 0.05 ms while
wrk's p99 at 8 connections is 0.3-1 ms in quiet sittings, so the tail is outside request
handling.  This reads a system-wide `perf sched record` taken while a run.py workload runs
and prints, for the polling threads (comm MHD-single, a thread pool's MHD-worker) and wrk's threads, how long each waited
to run once runnable (perf sched timehist's "sch delay": after a wake-up or a preemption),
and, for the waits above --long-ms, what the waiting thread's CPU and the other CPUs ran
meanwhile: our other threads, the idle task, or other tasks.  On a shared machine other
tenants' work runs in most stretches; the second block repeats the figures for the
stretches of --bin-ms where other tasks used less than --quiet-share of the CPUs, which is
what a quiet sitting would show.

    # while a run.py workload runs (e.g. GetItem at 8 connections, --duration 8):
    perf sched record -a -o /tmp/sched.data -- sleep 1.5
    /usr/bin/python3 bench/peers/schedwait.py /tmp/sched.data [--bin-ms 20] [--long-ms 0.2]

BENCHMARKS.md "Session 29: perf29" has what it found.
"""
import argparse
import collections
import re
import subprocess

OURS = ("MHD-worker", "MHD-single", "wrk")


def parse(path):
    out = subprocess.run(["perf", "sched", "timehist", "-i", path], capture_output=True,
                         text=True, check=True).stdout.splitlines()
    rows = []
    for line in out[3:]:
        p = line.split()
        if len(p) < 6:
            continue
        try:
            t = float(p[0]) * 1e3
            cpu = int(p[1].strip("[]"))
            sd, run = float(p[-2]), float(p[-1])
        except ValueError:
            continue
        name = re.sub(r"\[.*", "", " ".join(p[2:-3]))
        if name not in OURS and name != "<idle>":
            name = "other tasks"
        rows.append((t, cpu, name, sd, run))  # switched out at t after running `run` ms
    return rows


def pct(v, q):
    return v[min(len(v) - 1, int(q * len(v)))] if v else 0.0


def report(rows, keep, long_ms, seconds):
    bycpu = collections.defaultdict(list)
    for t, cpu, name, _, run in rows:
        bycpu[cpu].append((t - run, t, name))
    for key in OURS:
        r = [x for x in rows if x[2] == key and keep(x)]
        if not r:
            continue
        sd = sorted(x[3] for x in r)
        long = [x for x in r if x[3] > long_ms]
        print(f"  {key}: {len(r)} runs; wait to run p99 {pct(sd, .99):.3f}, p99.9 "
              f"{pct(sd, .999):.3f}, max {sd[-1]:.3f} ms; {len(long)} waits > {long_ms:g} ms "
              f"({len(long) / seconds:.0f}/s)")
        if not long:
            continue
        hist = collections.Counter(min(int(x[3] / 0.25), 8) for x in long)
        print("    by 0.25 ms: " + ", ".join(
            f"{'>=2' if k == 8 else f'{k * .25:.2f}-{(k + 1) * .25:.2f}'} ms: {v}"
            for k, v in sorted(hist.items())))
        for label, same in (("its CPU ran", True), ("the other CPUs ran", False)):
            who = collections.Counter()
            for t, cpu, _, d, run in long:
                a1 = t - run
                a0 = a1 - d
                for c, spans in bycpu.items():
                    if (c == cpu) != same:
                        continue
                    for a, b, n in spans:
                        if b > a0 and a < a1:
                            who[n] += min(b, a1) - max(a, a0)
            tot = sum(who.values()) or 1.0
            print(f"    meanwhile {label}: " + ", ".join(
                f"{k} {100 * v / tot:.0f}%" for k, v in who.most_common()))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("data", help="a perf.data of `perf sched record -a`")
    ap.add_argument("--bin-ms", type=float, default=20.0)
    ap.add_argument("--quiet-share", type=float, default=0.02)
    ap.add_argument("--long-ms", type=float, default=0.2)
    a = ap.parse_args()
    rows = parse(a.data)
    if not rows:
        raise SystemExit("schedwait: no scheduler events in " + a.data)
    t0, t1 = rows[0][0], rows[-1][0]
    ncpu = len({x[1] for x in rows})
    other = collections.Counter()
    for t, _, name, _, run in rows:
        if name == "other tasks":
            other[int((t - t0) // a.bin_ms)] += run
    nbins = int((t1 - t0) // a.bin_ms)
    quiet = {b for b in range(nbins) if other[b] < a.quiet_share * ncpu * a.bin_ms}
    busy = sum(other.values()) / ((t1 - t0) * ncpu) if t1 > t0 else 0.0
    print(f"{(t1 - t0) / 1e3:.2f} s on {ncpu} CPUs; other tasks used {100 * busy:.0f}% of them")
    report(rows, lambda x: True, a.long_ms, (t1 - t0) / 1e3)
    print(f"in the {len(quiet)} of {nbins} stretches of {a.bin_ms:g} ms where other tasks used "
          f"< {100 * a.quiet_share:g}% of the CPUs:")
    report(rows, lambda x: int((x[0] - t0) // a.bin_ms) in quiet, a.long_ms,
           len(quiet) * a.bin_ms / 1e3)


if __name__ == "__main__":
    main()
