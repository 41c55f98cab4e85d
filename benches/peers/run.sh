#!/usr/bin/env bash
# The peers bench: printjob beside curl, msal + requests and msgraph-sdk (see docs/benchmarks.md).
#   benches/peers/run.sh                 full run, rewrites the table in docs/benchmarks.md
#   benches/peers/run.sh --smoke         a few runs, checks every contender cancelled its jobs (CI)
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v curl >/dev/null && [ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq curl time; }
python3 -m venv --help >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq python3-venv; }
venv=target/peers-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check -r benches/peers/requirements.txt
cargo build --release --locked --bin printjob --example robot_browser
if [ "${1:-}" = "--smoke" ]; then
    exec "$venv/bin/python" benches/peers/peers.py --smoke
fi
exec "$venv/bin/python" benches/peers/peers.py --write docs/benchmarks.md "$@"
