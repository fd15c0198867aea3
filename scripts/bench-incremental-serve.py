#!/usr/bin/env python3
"""Issue 12 benchmarks on N synthetic credentials (default 100,000), with the release
binary (`cargo build --release` first):

1. `credsite build --clean` and an incremental `credsite build` after one record
   changed, side by side, in the same run (target: incremental under 10% of clean);
   and how many files the incremental build wrote (mtime changed). Three rounds
   (CREDSITE_BENCH_ROUNDS), each a clean build then an incremental one; the median
   round's share is the figure.
2. `credsite serve`: from saving a record file to the reload message on the
   server-sent events channel, as a browser receives it (target: under 200 ms);
3. `credsite serve`: peak RSS (VmHWM) after the first build and the edits (target:
   under 1.5 GiB).

Usage: scripts/bench-incremental-serve.py [N] [all|serve|build] [BINARY...]
The site has the default single proof (eddsa-jcs-2022), as `credsite init` makes it;
CREDSITE_BENCH_RDFC=1 adds the opt-in eddsa-rdfc-2022 proof of the repository's
credsite.toml (much slower clean builds, so a much smaller incremental share).
Works in /dev/shm when there is one (CREDSITE_BENCH_DIR=DIR to work elsewhere).
With several binaries (say a copy of the previous release build and the new one), each
is measured in turn on the same site, in the same run: the build benchmark makes the
key and state with the first, then, for each, rounds of a clean build from no output
(the previous one is removed first, untimed) and an incremental one.
"""

import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(REPO, "target", "release", "credsite")
PROGRAMS = ["cdpp", "csla", "cops"]
ENV = dict(os.environ, SOURCE_DATE_EPOCH="1795478400")  # 2026-11-24
ENV.pop("CREDSITE_SECRET_KEY", None)


def generate(root, n):
    """The repository's config, programs and logo, and n records in one CSV file (as
    benches/common/mod.rs)."""
    with open(os.path.join(REPO, "credsite.toml")) as f:
        config = f.read()
    if not os.environ.get("CREDSITE_BENCH_RDFC"):
        config = re.sub(r"^proofs = .*\n", "", config, flags=re.M)
    with open(os.path.join(root, "credsite.toml"), "w") as f:
        f.write(config)
    os.makedirs(os.path.join(root, "content", "credentials"))
    os.makedirs(os.path.join(root, "content", "programs"))
    os.makedirs(os.path.join(root, "static"))
    for p in PROGRAMS:
        shutil.copy(os.path.join(REPO, "content", "programs", p + ".md"),
                    os.path.join(root, "content", "programs"))
    shutil.copy(os.path.join(REPO, "static", "logo.svg"), os.path.join(root, "static"))
    rows = ["id,holder_name,holder_email,program,issued,expires,evidence_exam,evidence_score,evidence_date"]
    import datetime
    start = datetime.date(2019, 1, 1)
    for i in range(n):
        issued = start + datetime.timedelta(days=i * 7919 % 2870)
        email = f"holder{i}@mail.example" if i % 2 == 0 else ""
        rows.append(f"bench-{i:07},Holder Number {i},{email},{PROGRAMS[i % 3]},{issued},,"
                    f"Written exam,{70 + i % 30}%,{issued}")
    with open(roster(root), "w") as f:
        f.write("\n".join(rows) + "\n")


def roster(root):
    return os.path.join(root, "content", "credentials", "bench.csv")


def rename(root, index, name):
    """Changes the holder name of record `index`; returns when the file is saved."""
    path = roster(root)
    with open(path) as f:
        text = f.read()
    text = re.sub(rf"^(bench-{index:07}),[^,]*,", rf"\1,{name},", text, count=1, flags=re.M)
    tmp = path + ".new"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)  # as editors save


def build(root, *args, binary=BINARY):
    started = time.perf_counter()
    out = subprocess.run([binary, "--root", root, "build", *args], env=ENV,
                         capture_output=True, text=True)
    took = time.perf_counter() - started
    if out.returncode != 0:
        sys.exit(f"build {args} failed:\n{out.stderr}")
    lines = out.stderr.strip().splitlines()
    return took, next((l for l in lines if l.startswith("Wrote ")), lines[-1])


def mtimes(public):
    result = {}
    for dirpath, _, files in os.walk(public):
        for name in files:
            path = os.path.join(dirpath, name)
            result[path] = os.stat(path).st_mtime_ns
    return result


def bench_build(root, binaries, rounds):
    print("== build: clean vs incremental after one record changed")
    print(f"({rounds} rounds per binary, each a clean build then an incremental one: the"
          " machine's speed drifts, so each round's share is computed from builds"
          " seconds apart, and the median round is reported)")
    for n, binary in enumerate(binaries):
        print(f"-- {binary}")
        index, original = 42 + n, f"Holder Number {42 + n}"
        cleans, incrementals, shares = [], [], []
        for r in range(rounds):
            # Each round does the same work: the record is renamed back, and the
            # clean build starts from no output, as the first one does (a --clean
            # build over an existing output also removes the old tree, seconds at
            # 100,000, which would flatter the incremental build that follows). The
            # first clean build also makes the key and the site state.
            shutil.rmtree(os.path.join(root, "public"), ignore_errors=True)
            if os.path.exists(os.path.join(root, ".public.manifest")):
                os.remove(os.path.join(root, ".public.manifest"))
            rename(root, index, original)
            issued = os.path.exists(os.path.join(root, "credsite.state.json"))
            reissue = ["--reissue", f"bench-{index:07}"] if issued else []
            clean, line = build(root, "--clean", *reissue, binary=binary)
            print(f"round {r + 1}: clean build (--clean):           {clean:7.2f} s   {line}")
            before = mtimes(os.path.join(root, "public"))
            rename(root, index, f"Holder Renamed {n}")
            incremental, line = build(root, "--reissue", f"bench-{index:07}", binary=binary)
            print(f"round {r + 1}: incremental, one record changed: {incremental:7.2f} s   {line}")
            after = mtimes(os.path.join(root, "public"))
            written = sum(1 for p, t in after.items() if before.get(p) != t)
            share = 100 * incremental / clean
            print(f"round {r + 1}: incremental / clean: {share:.1f}%;"
                  f" files whose mtime changed: {written} of {len(after)}")
            cleans.append(clean)
            incrementals.append(incremental)
            shares.append(share)
        print(f"median clean {statistics.median(cleans):.2f} s, median incremental"
              f" {statistics.median(incrementals):.2f} s; incremental / clean, median round:"
              f" {statistics.median(shares):.1f}% (rounds: {', '.join(f'{s:.1f}%' for s in shares)};"
              " target: under 10%)")


class Server:
    def __init__(self, root, binary=BINARY):
        self.proc = subprocess.Popen([binary, "--root", root, "serve", "--port", "0"],
                                     env=ENV, stderr=subprocess.PIPE, text=True)
        self.lines = []
        self.port = None
        ready = threading.Event()

        def read():
            for line in self.proc.stderr:
                self.lines.append(line.rstrip())
                m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
                if m:
                    self.port = int(m.group(1))
                    ready.set()
        threading.Thread(target=read, daemon=True).start()
        started = time.perf_counter()
        if not ready.wait(1800):
            sys.exit("serve did not start:\n" + "\n".join(self.lines))
        self.first_build = time.perf_counter() - started

    def rss(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            status = f.read()
        hwm = int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))
        rss = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))
        return hwm / 1024, rss / 1024

    def stop(self):
        self.proc.terminate()
        self.proc.wait(30)


def bench_serve(root, binary=BINARY, edits=5):
    print(f"== serve ({binary}): save a record file -> reload message on the SSE channel")
    server = Server(root, binary)
    tag = os.path.basename(binary)
    print(f"first in-memory build, to listening: {server.first_build:.2f} s")
    print("  " + "\n  ".join(server.lines[-2:]))
    hwm, rss = server.rss()
    print(f"after the first build: peak RSS {hwm:.0f} MiB, RSS {rss:.0f} MiB")
    latencies = []
    for k in range(edits):
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=600)
        conn.request("GET", "/__credsite/events")
        response = conn.getresponse()
        assert response.status == 200, response.status
        time.sleep(0.3)
        saved = time.perf_counter()
        rename(root, 1000 + k, f"Holder Edited {k} {tag}")
        saved = time.perf_counter()
        while True:
            line = response.readline()
            if not line:
                sys.exit("the event stream ended")
            if line.strip() == b"data: reload":
                break
        latency = time.perf_counter() - saved
        latencies.append(latency)
        conn.close()
        time.sleep(0.5)
        print(f"edit {k + 1}: reload message after {1000 * latency:.0f} ms   ({server.lines[-1]})")
    hwm, rss = server.rss()
    print(f"median save -> reload: {1000 * statistics.median(latencies):.0f} ms"
          f" (min {1000 * min(latencies):.0f}, max {1000 * max(latencies):.0f}; target: under 200 ms)")
    print(f"peak RSS (VmHWM) of serve: {hwm:.0f} MiB (target: under 1536 MiB); RSS now {rss:.0f} MiB")
    server.stop()


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    binaries = sys.argv[3:] or [BINARY]
    for binary in binaries:
        if not os.path.exists(binary):
            sys.exit(f"{binary} is missing: build the release binary first: cargo build --release")
    base = os.environ.get("CREDSITE_BENCH_DIR") or ("/dev/shm" if os.path.isdir("/dev/shm") else None)
    with tempfile.TemporaryDirectory(dir=base, prefix="credsite-bench-") as root:
        print(f"{n} synthetic credentials in {root}; {os.cpu_count()} CPUs")
        generate(root, n)
        which = sys.argv[2] if len(sys.argv) > 2 else "all"
        if which in ("all", "serve"):
            for binary in binaries:
                bench_serve(root, binary)
        if which in ("all", "build"):
            bench_build(root, binaries, int(os.environ.get("CREDSITE_BENCH_ROUNDS", "3")))


if __name__ == "__main__":
    main()
