#!/usr/bin/env bash
# The training run of the profile-guided build (scripts/build-pgo.sh):
# memview, built with MEMVIEW_PGO=generate, records each teaching program in
# examples/ and writes what people ask of it (the viewer, the trace, a
# terminal diagram), then records scripts/pgo-workload.py, whose 30,000 steps
# make the recording path the profile's hot path. The benchmark programs are
# deliberately not used.
#   scripts/pgo-train.sh [MEMVIEW]        (default build/memview)
set -uo pipefail
cd "$(dirname "$0")/.."
mv=${1:-build/memview}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0
for prog in examples/*.py; do
    name=$(basename "$prog" .py)
    "$mv" run -o "$out/$name.html" "$prog" </dev/null >/dev/null 2>&1 || status=1
    "$mv" run -f trace -o "$out/$name.json" "$prog" </dev/null >/dev/null 2>&1 || status=1
    "$mv" run -f text --step last "$prog" </dev/null >/dev/null 2>&1 || status=1
done
"$mv" run --max-steps 1000000 -f trace -o "$out/workload.json" scripts/pgo-workload.py \
    </dev/null >/dev/null 2>&1 || status=1
[ "$status" = 0 ] || echo "memview: a training run failed" >&2
exit $status
