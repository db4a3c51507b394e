#!/usr/bin/env python3
"""memview benchmark driver: times each workload in bench/programs/ untraced and under
`memview run`, measured in one run, and reports ratios, peak memory, trace size and
PASS/FAIL against the targets in bench/README.md. Standard library only; not a test.

    python3 bench/run.py [--memview PATH] [--python PATH] [--quick] [--repeat N]

Prints a table and writes bench/results-<python X.Y>.json. Exit status: 0 when every
target passes, 1 when one fails or a run went wrong, 2 when memview/python is missing.
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PROGRAMS = os.path.join(HERE, "programs")

MAX_STEPS = "100000000"
RUN_TIMEOUT = 900  # seconds per process (--timeout); a hung run is reported, not awaited
TRACE_PARSE_LIMIT = 200 * 1000 * 1000  # bytes of trace JSON the step fallback will load

LOOP_FULL = 1_000_000
LOOP_QUICK = 100_000

# Targets (bench/README.md explains each).
LOOP_MAX_RATIO = 10.0
DICT_MAX_SECONDS = 2.0
DICT_MAX_TRACE_BYTES = 10 * 1000 * 1000
MEM_FACTOR = 3.0
MEM_SLACK_KIB = 50 * 1000 * 1000 / 1024  # 50 MB (decimal, like every size here)

STATS_PREFIX = "memview-stats "


# --------------------------------------------------------------------------- setup

def python_from_cmake_cache():
    """The interpreter memview was built against (MEMVIEW_PYTHON:TYPE=path), or None."""
    cache = os.path.join(ROOT, "build", "CMakeCache.txt")
    try:
        with open(cache, encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("MEMVIEW_PYTHON:") and "=" in line:
                    value = line.split("=", 1)[1].strip()
                    if value:
                        return value
    except OSError:
        pass
    return None


def python_identity(python):
    """(version "X.Y.Z", real executable) of `python`. The executable is what the
    untraced runs use, so a wrapper script (a pyenv shim) adds no time or memory."""
    out = subprocess.run(
        [python, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3]); "
                       "print(sys.executable)"],
        capture_output=True, text=True, timeout=60, check=True)
    version, executable = out.stdout.strip().splitlines()[:2]
    return version, executable or python


def memview_version(memview):
    try:
        out = subprocess.run([memview, "--version"], capture_output=True, text=True,
                             timeout=60)
    except (OSError, subprocess.SubprocessError):
        return ""
    lines = (out.stdout or out.stderr).strip().splitlines()
    return lines[0] if lines else ""


def maxrss_kib(ru_maxrss):
    # Linux reports KiB, macOS bytes.
    return ru_maxrss // 1024 if sys.platform == "darwin" else ru_maxrss


# --------------------------------------------------------------------------- one process
#
# Why a launcher: on Linux a child's ru_maxrss is never below the RSS of the process that
# forked it (fork copies the parent's page tables into the child's count, and the vfork
# that subprocess uses hands over the parent's lifetime peak at exec). Forked from this
# driver, a 13 MB python run reads as the driver's size; after the driver has parsed a
# big trace, as hundreds of MB. So every measured child is forked by a small, separate
# python process started up front (-I -S, a handful of builtin modules: about 6 MB, below
# the ~13 MB any interpreter run needs), which times it and returns its rusage.

LAUNCHER = r"""
import json, os, resource, signal, sys, time
pid = 0
def on_alarm(signum, frame):
    if pid:
        os.kill(pid, signal.SIGKILL)
signal.signal(signal.SIGALRM, on_alarm)
for line in sys.stdin:
    req = json.loads(line)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            fd = os.open(os.devnull, os.O_RDWR)
            os.dup2(fd, 0)
            os.dup2(fd, 1)
            err = os.open(req["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(err, 2)
            os.execv(req["argv"][0], req["argv"])
        except BaseException as e:
            os.write(2, ("cannot start %s: %s\n" % (req["argv"][0], e)).encode())
        os._exit(127)
    signal.alarm(int(req["timeout"]))
    _, status, usage = os.wait4(pid, 0)
    signal.alarm(0)
    wall = time.perf_counter() - t0
    pid = 0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    sys.stdout.write(json.dumps({
        "wall_s": wall, "cpu_s": cpu, "maxrss": usage.ru_maxrss,
        "exit": os.waitstatus_to_exitcode(status),
        "killed": os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL,
    }) + "\n")
    sys.stdout.flush()
"""


class Launcher:
    """The measuring process above; one request and one answer per line."""

    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, "-I", "-S", "-c", LAUNCHER],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, bufsize=1)

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()

    def run(self, argv, stderr_path):
        """Run argv to completion (stdin and stdout /dev/null, stderr to stderr_path).

        Wall time is time.perf_counter around the child; CPU time the delta of
        getrusage(RUSAGE_CHILDREN), user + system; the peak the child's own ru_maxrss
        from os.wait4, in KiB. "error" is set when it timed out or could not start."""
        argv = list(argv)
        if os.sep not in argv[0]:
            argv[0] = shutil.which(argv[0]) or argv[0]
        self.proc.stdin.write(json.dumps({"argv": argv, "stderr": stderr_path,
                                          "timeout": RUN_TIMEOUT}) + "\n")
        answer = self.proc.stdout.readline()
        if not answer:
            raise RuntimeError("bench: the launcher process died")
        r = json.loads(answer)
        result = {"wall_s": r["wall_s"], "cpu_s": r["cpu_s"],
                  "peak_kib": maxrss_kib(r["maxrss"]), "exit": r["exit"]}
        if r["killed"]:
            result["error"] = "killed (timeout %d s, or out of memory)" % RUN_TIMEOUT
        elif r["exit"] == 127 and read_text(stderr_path).startswith("cannot start"):
            result["error"] = read_text(stderr_path).strip()
        return result


def read_text(path, limit=4000):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read(limit)
    except OSError:
        return ""


def parse_stats(stderr_text):
    """The object of the first `memview-stats {...}` line on stderr, or None."""
    for line in stderr_text.splitlines():
        if line.startswith(STATS_PREFIX):
            try:
                value = json.loads(line[len(STATS_PREFIX):])
            except ValueError:
                return None
            return value if isinstance(value, dict) else None
    return None


def steps_from_file(path, kind):
    """Fallback step count: the state JSON's "steps" number, or the length of the trace
    JSON's top-level "steps" array. None when the file does not say (or the trace is too
    big to load here; the state run's count is used then)."""
    try:
        if kind == "trace" and os.path.getsize(path) > TRACE_PARSE_LIMIT:
            return None
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError):
        return None
    steps = doc.get("steps") if isinstance(doc, dict) else None
    if kind == "state" and isinstance(steps, int) and not isinstance(steps, bool):
        return steps
    if kind == "trace" and isinstance(steps, list):
        return len(steps)
    return None


# --------------------------------------------------------------------------- modes

class Runner:
    def __init__(self, launcher, memview, python, repeat, tmpdir):
        self.launcher = launcher
        self.memview = memview
        self.python = python
        self.repeat = repeat
        self.tmpdir = tmpdir
        self.use_stats = True  # dropped when this memview rejects --stats

    def best_of(self, make_run):
        """Run make_run() `repeat` times; keep the fastest run's times and the largest
        peak seen (so the memory check is never flattered by a lucky run)."""
        runs = []
        for _ in range(self.repeat):
            r = make_run()
            runs.append(r)
            if "error" in r:
                return r
        best = min(runs, key=lambda r: r["wall_s"])
        best = dict(best)
        best["peak_kib"] = max(r["peak_kib"] for r in runs)
        best["walls_s"] = [round(r["wall_s"], 4) for r in runs]
        return best

    def untraced(self, prog, args):
        err = os.path.join(self.tmpdir, "python.err")

        def once():
            r = self.launcher.run([self.python, prog] + args, err)
            if "error" not in r and r["exit"] != 0:
                r["error"] = "python exited %d: %s" % (r["exit"], read_text(err).strip()[-500:])
            return r
        return self.best_of(once)

    def traced(self, prog, args, mode):
        out = os.path.join(self.tmpdir, "TMP.json" if mode == "trace" else "TMP_state.json")
        err = os.path.join(self.tmpdir, "memview.err")
        base = [self.memview, "run", "--max-steps", MAX_STEPS, "-f", mode]
        if mode == "state":
            base += ["--step", "last"]

        def once():
            for attempt in (0, 1):
                if os.path.exists(out):
                    os.unlink(out)
                opts = ["--stats"] if self.use_stats else []
                r = self.launcher.run(base + opts + ["-o", out, prog] + args, err)
                text = read_text(err, 1 << 20)
                if (attempt == 0 and self.use_stats and r.get("exit") == 2
                        and "stats" in text):
                    # This memview does not know --stats: fall back to the files.
                    self.use_stats = False
                    continue
                break
            if "error" in r:
                return r
            if r["exit"] != 0:
                r["error"] = "memview exited %d: %s" % (r["exit"], text.strip()[-500:])
                return r
            r["output_bytes"] = os.path.getsize(out) if os.path.exists(out) else None
            r["stats"] = parse_stats(text)
            steps = r["stats"].get("steps") if r["stats"] else None
            if not isinstance(steps, int):
                steps = steps_from_file(out, mode)
            r["steps"] = steps
            if os.path.exists(out):
                os.unlink(out)  # trace files can be large; keep only one at a time
            return r
        return self.best_of(once)


# --------------------------------------------------------------------------- report

def fmt(value, spec, missing="-"):
    return missing if value is None else format(value, spec)


def mb(kib):
    """KiB (as ru_maxrss counts) to decimal MB."""
    return None if kib is None else kib * 1024 / 1e6


def size(n):
    """Bytes for people: 512 B, 3.4 kB, 12.30 MB (decimal units, as the targets)."""
    if n is None:
        return "-"
    if n < 1000:
        return "%d B" % n
    if n < 1000 * 1000:
        return "%.1f kB" % (n / 1e3)
    return "%.2f MB" % (n / 1e6)


def mb_bytes(n):
    return n / 1e6 if isinstance(n, (int, float)) else None


def print_table(headers, rows):
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(str(h))
              for i, h in enumerate(headers)]
    line = "  ".join(str(h).ljust(w) for h, w in zip(headers, widths))
    print(line.rstrip())
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(str(c).rjust(w) if i > 1 else str(c).ljust(w)
                        for i, (c, w) in enumerate(zip(r, widths))).rstrip())


def main():
    global RUN_TIMEOUT
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--memview", default=os.path.join(ROOT, "build", "memview"),
                    help="memview binary (default: build/memview)")
    ap.add_argument("--python", default=None,
                    help="interpreter for the untraced runs (default: MEMVIEW_PYTHON "
                         "from build/CMakeCache.txt, else python3)")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: the loop has %d iterations instead of %d"
                         % (LOOP_QUICK, LOOP_FULL))
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs per measurement, best time kept (default 3)")
    ap.add_argument("--output", default=None,
                    help="results JSON (default: bench/results-<python X.Y>.json)")
    ap.add_argument("--timeout", type=int, default=RUN_TIMEOUT,
                    help="seconds before one run is killed (default %d)" % RUN_TIMEOUT)
    opts = ap.parse_args()
    if opts.repeat < 1:
        ap.error("--repeat must be at least 1")
    if opts.timeout < 1:
        ap.error("--timeout must be at least 1")
    RUN_TIMEOUT = opts.timeout

    python = opts.python or python_from_cmake_cache() or "python3"
    if not (os.path.isfile(opts.memview) and os.access(opts.memview, os.X_OK)):
        print("bench: memview binary not found or not executable: %s" % opts.memview,
              file=sys.stderr)
        return 2
    try:
        pyver, python = python_identity(python)
    except (OSError, subprocess.SubprocessError, ValueError) as e:
        print("bench: cannot run python %s: %s" % (python, e), file=sys.stderr)
        return 2
    pyminor = ".".join(pyver.split(".")[:2])

    loop_n = LOOP_QUICK if opts.quick else LOOP_FULL
    workloads = [
        ("loop", os.path.join(PROGRAMS, "loop.py"), [str(loop_n)]),
        ("dict_of_lists", os.path.join(PROGRAMS, "dict_of_lists.py"), []),
    ]

    print("memview: %s (%s)" % (memview_version(opts.memview) or "?", opts.memview))
    print("python:  %s (%s)" % (pyver, python))
    print("mode:    %s, best of %d, loop %d iterations\n"
          % ("quick" if opts.quick else "full", opts.repeat, loop_n))

    results = {}
    with tempfile.TemporaryDirectory(prefix="memview-bench-") as tmpdir:
        launcher = Launcher()
        runner = Runner(launcher, os.path.abspath(opts.memview), python, opts.repeat,
                        tmpdir)
        for name, prog, args in workloads:
            print("running %s ..." % name, file=sys.stderr, flush=True)
            res = {"program": os.path.relpath(prog, ROOT), "args": args}
            res["untraced"] = runner.untraced(prog, args)
            res["trace"] = runner.traced(prog, args, "trace")
            res["state"] = runner.traced(prog, args, "state")
            res["steps"] = res["trace"].get("steps") or res["state"].get("steps")
            base = res["untraced"]
            for mode in ("trace", "state"):
                r = res[mode]
                if "error" in base or "error" in r:
                    continue
                r["ratio_wall"] = r["wall_s"] / base["wall_s"] if base["wall_s"] else None
                r["ratio_cpu"] = r["cpu_s"] / base["cpu_s"] if base["cpu_s"] else None
                steps = r.get("steps") or res["steps"]
                if steps:
                    r["us_per_step"] = r["wall_s"] / steps * 1e6
                    if mode == "trace" and r.get("output_bytes") is not None:
                        r["bytes_per_step"] = r["output_bytes"] / steps
                    stream = (r.get("stats") or {}).get("stream_bytes")
                    if isinstance(stream, (int, float)):
                        r["stream_bytes_per_step"] = stream / steps
            results[name] = res
        launcher.close()

    # ---- measurements table
    headers = ["workload", "run", "steps", "wall s", "cpu s", "x wall", "x cpu",
               "peak MB", "output", "B/step", "us/step"]
    rows = []
    errors = []
    for name, res in results.items():
        for mode, label in (("untraced", "python"), ("trace", "memview -f trace"),
                            ("state", "memview -f state")):
            r = res[mode]
            if "error" in r:
                errors.append("%s / %s: %s" % (name, label, r["error"]))
                rows.append([name, label, "ERROR", "", "", "", "", "", "", "", ""])
                continue
            out = r.get("output_bytes")
            rows.append([
                name, label,
                fmt(res["steps"] if mode == "untraced" else r.get("steps") or res["steps"], "d"),
                fmt(r["wall_s"], ".3f"), fmt(r["cpu_s"], ".3f"),
                fmt(r.get("ratio_wall"), ".1f"), fmt(r.get("ratio_cpu"), ".1f"),
                fmt(mb(r["peak_kib"]), ".1f"),
                size(out),
                fmt(r.get("bytes_per_step"), ".0f"),
                fmt(r.get("us_per_step"), ".2f"),
            ])
    print_table(headers, rows)

    # ---- memview's own counters, when --stats was available
    stat_rows = []
    for name, res in results.items():
        for mode in ("trace", "state"):
            s = res[mode].get("stats")
            if s:
                stat_rows.append([
                    name, "memview -f " + mode, fmt(s.get("steps"), "d"),
                    fmt(s.get("record_seconds"), ".3f"),
                    fmt(mb_bytes(s.get("peak_bytes")), ".1f"),
                    size(s.get("stream_bytes")),
                    fmt(res[mode].get("stream_bytes_per_step"), ".1f"),
                ])
    if stat_rows:
        print("\nmemview --stats")
        print_table(["workload", "run", "steps", "record s", "own peak MB", "stream",
                     "stream B/step"], stat_rows)

    # ---- targets
    checks = []

    def add(name, measured, limit, text_measured, text_target):
        if measured is None:
            checks.append({"check": name, "measured": None, "limit": limit,
                           "shown": ("n/a", text_target), "result": "FAIL"})
        else:
            checks.append({"check": name, "measured": measured, "limit": limit,
                           "shown": (text_measured, text_target),
                           "result": "PASS" if measured <= limit else "FAIL"})

    # The loop target is about recording every step: -f state records all of
    # them and writes one. -f trace also writes every step as JSON (about 300 B
    # per step, close to 1 GB here); its ratio is in the table above, as the
    # cost of that output, not of recording (bench/README.md).
    loop = results["loop"]
    ratio = loop["state"].get("ratio_wall")
    add("loop: traced/untraced wall (recording, -f state)", ratio, LOOP_MAX_RATIO,
        fmt(ratio, ".1f") + "x", "<= %.0fx" % LOOP_MAX_RATIO)
    dol = results["dict_of_lists"]
    for mode in ("trace", "state"):
        wall = None if "error" in dol[mode] else dol[mode]["wall_s"]
        add("dict_of_lists: traced wall (-f %s)" % mode, wall, DICT_MAX_SECONDS,
            fmt(wall, ".3f") + " s", "< %.0f s" % DICT_MAX_SECONDS)
    trace_bytes = dol["trace"].get("output_bytes")
    add("dict_of_lists: trace JSON size", trace_bytes, DICT_MAX_TRACE_BYTES,
        size(trace_bytes),
        "< %.0f MB" % (DICT_MAX_TRACE_BYTES / 1e6))
    for name, res in results.items():
        base = res["untraced"]
        if "error" in base:
            continue
        limit = MEM_FACTOR * base["peak_kib"] + MEM_SLACK_KIB
        for mode in ("trace", "state"):
            peak = None if "error" in res[mode] else res[mode]["peak_kib"]
            add("%s: memview peak (-f %s)" % (name, mode), peak, limit,
                fmt(mb(peak), ".1f") + " MB",
                "<= 3 x %.1f + 50 = %.1f MB" % (mb(base["peak_kib"]), mb(limit)))

    print("\ntargets")
    print_table(["check", "measured", "target", "result"],
                [[c["check"], c["shown"][0], c["shown"][1], c["result"]] for c in checks])
    all_pass = not errors and all(c["result"] == "PASS" for c in checks)
    for e in errors:
        print("error: " + e)
    print("\n%s (%d/%d targets met)" % ("PASS" if all_pass else "FAIL",
                                         sum(c["result"] == "PASS" for c in checks),
                                         len(checks)))

    # ---- results file
    for c in checks:
        c.pop("shown", None)
    doc = {
        "memview": os.path.abspath(opts.memview),
        "memview_version": memview_version(opts.memview),
        "python": python, "python_version": pyver,
        "platform": sys.platform, "quick": opts.quick, "repeat": opts.repeat,
        "loop_iterations": loop_n, "max_steps": int(MAX_STEPS),
        "stats_flag": runner.use_stats,
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "workloads": results, "checks": checks, "errors": errors, "pass": all_pass,
    }
    path = opts.output or os.path.join(HERE, "results-%s.json" % pyminor)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, sort_keys=False)
        f.write("\n")
    print("results written to %s" % os.path.relpath(path, os.getcwd()))
    return 0 if all_pass else 1


if __name__ == "__main__":
    sys.exit(main())
