#!/usr/bin/env python3
"""Side-by-side bench: printjob against curl (the floor), msal + requests and msgraph-sdk.

Run it through benches/peers/run.sh (builds the release binaries, makes the venv). One emulator
in TLS mode (`printjob emulator --tls`) serves every contender; each measurement is a whole
process, started the way a user would start it, and each run of a scenario pairs the contenders
(same emulator, same moment, order rotated), so a ratio compares like with like.

  --smoke        a few runs and 50 jobs: checks every contender really cancelled its jobs (CI)
  --write FILE   replace the table between the markers in FILE (docs/benchmarks.md)
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import ssl
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
TENANT = "11111111-2222-4333-8444-555555555555"
DOMAIN = "bench.onmicrosoft.com"
USER = "pat@bench.onmicrosoft.com"
CLIENT = "bbbbbbbb-0001-4000-8000-000000000001"
PRINTER = "cccccccc-0001-4000-8000-000000000001"
MARK_BEGIN = "<!-- peers:begin -->"
MARK_END = "<!-- peers:end -->"


def seed(jobs):
    return {
        "tenants": [{"id": TENANT, "displayName": "Bench", "domains": [DOMAIN], "universalPrint": True}],
        "users": [{"id": "aaaaaaaa-0001-4000-8000-000000000001", "tenantId": TENANT,
                   "userPrincipalName": USER, "displayName": "Pat Doe", "password": "Passw0rd!"}],
        "clients": [{"clientId": CLIENT, "displayName": "printjob", "tenantId": TENANT, "public": True,
                     "redirectUris": ["http://localhost", "http://127.0.0.1"],
                     "apiPermissions": ["User.Read", "PrintJob.ReadWriteBasic"]}],
        "print": {
            "printers": [{"id": PRINTER, "tenantId": TENANT, "displayName": "Hall printer",
                          "manufacturer": "Contoso", "model": "LX-1", "location": {"building": "A"},
                          "state": "idle", "isAcceptingJobs": True,
                          "registeredDateTime": "2024-01-15T08:00:00Z"}],
            "shares": [],
            "jobs": [{"id": str(1000 + i), "printerId": PRINTER, "owner": USER, "state": "pending",
                      "createdDateTime": "2024-01-15T09:00:00Z", "documentName": f"Doc {i}.pdf"}
                     for i in range(jobs)],
        },
    }


class Emulator:
    """`printjob emulator --tls` in a child process, with one signed-in printjob cache."""

    def __init__(self, args, jobs, latency_ms):
        self.args = args
        self.dir = tempfile.TemporaryDirectory(prefix="printjob-peers-")
        seed_path = Path(self.dir.name, "seed.json")
        seed_path.write_text(json.dumps(seed(jobs)))
        command = [args.printjob, "--json", "emulator", "--tls", "--seed", str(seed_path)]
        if latency_ms:
            command += ["--faults", f"latency={latency_ms}ms"]
        self.proc = subprocess.Popen(command, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"the emulator did not start: {command}")
        settings = json.loads(line)
        self.base = settings["baseUrl"]
        self.graph = settings["graphUrl"]
        self.ca = settings["caFile"]
        self.cache = str(Path(self.dir.name, "cache.json"))
        self.authority = f"{self.base}/{DOMAIN}"
        self.env = dict(os.environ, PRINTJOB_AUTHORITY=self.base, PRINTJOB_GRAPH_URL=self.graph,
                        PRINTJOB_TENANT_ID=DOMAIN, PRINTJOB_CLIENT_ID=CLIENT, PRINTJOB_CACHE=self.cache,
                        PRINTJOB_CACHE_STORE="file",  # the same plain file msal+requests reads
                        SSL_CERT_FILE=self.ca, REQUESTS_CA_BUNDLE=self.ca, CURL_CA_BUNDLE=self.ca,
                        BROWSER=args.robot, PRINTJOB_ROBOT_USER=USER, NO_COLOR="1")
        self.env.pop("RUST_LOG", None)
        run([args.printjob, "login"], self.env)
        self.token = run([args.printjob, "token"], self.env).strip()

    def canceled(self):
        context = ssl.create_default_context(cafile=self.ca)
        with urllib.request.urlopen(f"{self.base}/_emulator/counters", context=context) as r:
            return json.load(r).get("print:canceled", 0)

    def close(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.dir.cleanup()


def run(command, env, check=True):
    done = subprocess.run(command, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if check and done.returncode != 0:
        raise SystemExit(f"{command[0]} {command[1:3]} exited {done.returncode}: {done.stderr[-400:]}")
    return done.stdout


def timed(command, env):
    """Wall time (ms) and peak RSS (MiB) of one whole process.

    The peak comes from GNU time (`%M`), which forks the contender from its own small process: a
    child forked straight from this Python would carry Python's peak across its exec (Linux keeps
    the larger of the two in ru_maxrss), so every contender would read at least ~23 MiB."""
    out = tempfile.NamedTemporaryFile(prefix="printjob-peers-rss-", delete=False)
    out.close()
    start = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", out.name] + command, env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    elapsed = (time.perf_counter() - start) * 1000
    peak_kib = Path(out.name).read_text().strip().splitlines()[-1]
    os.unlink(out.name)
    if done.returncode != 0:
        err = done.stderr.decode(errors="replace")
        raise SystemExit(f"{' '.join(map(str, command[:3]))} exited {done.returncode}: {err[-400:]}")
    return elapsed, int(peak_kib) / 1024


def contenders_single(emu, args, job):
    py = [args.python, str(HERE / "contenders.py")]
    common = [emu.cache, emu.authority, CLIENT, emu.graph, PRINTER, job]
    url = f"{emu.graph}/print/printers/{PRINTER}/jobs/{job}/cancel"
    return {
        "printjob": [args.printjob, "cancel", PRINTER, job],
        "curl": ["curl", "-sS", "--fail", "-o", "/dev/null", "--cacert", emu.ca, "-X", "POST",
                 "-H", f"Authorization: Bearer {emu.token}", url],
        "msal+requests": py + ["msal-single"] + common,
        "msgraph-sdk": py + ["sdk-single"] + common,
    }


def contenders_bulk(emu, args, jobs):
    py = [args.python, str(HERE / "contenders.py")]
    common = [emu.cache, emu.authority, CLIENT, emu.graph, PRINTER]
    ids = " ".join(str(1000 + i) for i in range(jobs))
    loop = (f'for id in {ids}; do curl -sS --fail -o /dev/null --cacert "$CA" -X POST '
            f'-H "Authorization: Bearer $TOKEN" "$GRAPH/print/printers/{PRINTER}/jobs/$id/cancel" || exit 1; done')
    return {
        "printjob": [args.printjob, "cancel", PRINTER, "--all", "--yes"],
        "curl loop": ["bash", "-c", loop],
        "msal+requests loop": py + ["msal-bulk"] + common,
        "msgraph-sdk batch": py + ["sdk-bulk"] + common,
    }


def single_scenario(args, latency_ms, results, name):
    contenders = ["printjob", "curl", "msal+requests", "msgraph-sdk"]
    emu = Emulator(args, (args.runs + 1) * len(contenders), latency_ms)
    try:
        env = dict(emu.env, CA=emu.ca)
        jobs = iter(str(1000 + i) for i in range((args.runs + 1) * len(contenders)))
        for r in range(-1, args.runs):  # run -1 warms up each contender (imports, caches), not counted
            rotation = max(r, 0) % len(contenders)
            for contender in contenders[rotation:] + contenders[:rotation]:
                job = next(jobs)
                before = emu.canceled()
                ms, mib = timed(contenders_single(emu, args, job)[contender], env)
                if emu.canceled() != before + 1:
                    raise SystemExit(f"{contender} did not cancel job {job}")
                if r >= 0:
                    results.setdefault(name, {}).setdefault(contender, []).append(ms)
                    memory = results.setdefault("peak memory, single cancel (MiB)", {})
                    memory.setdefault(contender, []).append(mib)
    finally:
        emu.close()


def token_scenario(args, results):
    emu = Emulator(args, 1, 0)
    try:
        py = [args.python, str(HERE / "contenders.py"), "msal-token", emu.cache, emu.authority, CLIENT]
        commands = {"printjob": [args.printjob, "token"], "msal": py}
        for r in range(args.runs):
            for contender, command in commands.items():
                ms, _ = timed(command, emu.env)
                results.setdefault("silent token (whole process)", {}).setdefault(contender, []).append(ms)
    finally:
        emu.close()


def bulk_scenario(args, latency_ms, results, name):
    for r in range(args.bulk_runs):
        for contender in contenders_bulk_names():
            emu = Emulator(args, args.jobs, latency_ms)
            try:
                command = contenders_bulk(emu, args, args.jobs)[contender]
                env = dict(emu.env, CA=emu.ca, TOKEN=emu.token, GRAPH=emu.graph)
                ms, _ = timed(command, env)
                if emu.canceled() != args.jobs:
                    raise SystemExit(f"{contender} cancelled {emu.canceled()} of {args.jobs} jobs")
                results.setdefault(name, {}).setdefault(contender, []).append(ms)
            finally:
                emu.close()


def contenders_bulk_names():
    return ["printjob", "curl loop", "msal+requests loop", "msgraph-sdk batch"]


def table(results):
    lines = ["| scenario | contender | min | median | max | median ÷ printjob |", "|---|---|---:|---:|---:|---:|"]
    for scenario, by in results.items():
        base = statistics.median(by["printjob"])
        unit = "MiB" if "MiB" in scenario else "ms"
        for contender, values in by.items():
            ratio = statistics.median(values) / base
            lines.append(f"| {scenario} | {contender} | {min(values):.1f} {unit} | "
                         f"{statistics.median(values):.1f} {unit} | {max(values):.1f} {unit} | {ratio:.2f}× |")
    return "\n".join(lines)


def versions(args):
    out = subprocess.run([args.python, "-c", "import importlib.metadata as m;"
                          "print(', '.join(f'{p} {m.version(p)}' for p in ('msal','requests','msgraph-sdk')))"],
                         capture_output=True, text=True).stdout.strip()
    curl = subprocess.run(["curl", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    pj = run([args.printjob, "--version"], os.environ).strip()
    return f"{pj}; {curl.split(' (')[0]}; Python {platform.python_version()}: {out}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--bulk-runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--write")
    parser.add_argument("--printjob", default=str(ROOT / "target/release/printjob"))
    parser.add_argument("--robot", default=str(ROOT / "target/release/examples/robot_browser"))
    parser.add_argument("--python", default=sys.executable)
    args = parser.parse_args()
    if args.smoke:
        args.runs, args.bulk_runs, args.jobs = 2, 1, 50
    results = {}
    single_scenario(args, 0, results, "single cancel, 0 ms")
    single_scenario(args, 50, results, "single cancel, 50 ms per request")
    token_scenario(args, results)
    bulk_scenario(args, 0, results, f"bulk {args.jobs} jobs, 0 ms")
    if not args.smoke:
        bulk_scenario(args, 50, results, f"bulk {args.jobs} jobs, 50 ms per request")
    memory = results.pop("peak memory, single cancel (MiB)")
    results["peak memory, single cancel (MiB)"] = memory
    header = (f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores, {platform.platform()}; "
              f"{versions(args)}. {args.runs} paired runs per single scenario, {args.bulk_runs} per bulk "
              f"scenario{' (smoke mode)' if args.smoke else ''}.")
    text = header + "\n\n" + table(results)
    print(text)
    if args.write:
        path = Path(args.write)
        doc = path.read_text()
        start, end = doc.index(MARK_BEGIN) + len(MARK_BEGIN), doc.index(MARK_END)
        path.write_text(doc[:start] + "\n" + text + "\n" + doc[end:])


if __name__ == "__main__":
    main()
