#!/usr/bin/env bash
# The whole test suite: build memview for every supported interpreter on
# this machine (3.11, 3.12, 3.13) and run ctest for each.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/pythons.sh

pythons=$(mv_pythons)
if [ -z "$pythons" ]; then
    echo "memview: no Python 3.11-3.13 with its -config found; run scripts/setup.sh" >&2
    exit 2
fi
total_pass=0 total_fail=0 status=0
for py in $pythons; do
    v=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    dir="build-test-$v"
    echo "=== Python $v ($py)"
    if ! cmake -S . -B "$dir" -DMEMVIEW_PYTHON="$py" -DMEMVIEW_WERROR=ON >/dev/null ||
       ! cmake --build "$dir" -j"$(nproc)" >/dev/null; then
        echo "memview: build for Python $v failed" >&2
        cmake --build "$dir" 2>&1 | tail -30 >&2
        status=1
        total_fail=$((total_fail + 1))
        continue
    fi
    (cd "$dir" && ctest -j"$(nproc)" --output-on-failure) | tee "$dir/ctest.log"
    rc=${PIPESTATUS[0]}
    [ "$rc" = 0 ] || status=1
    line=$(grep -E 'tests passed, [0-9]+ tests failed out of' "$dir/ctest.log" | tail -n 1)
    failed=$(echo "$line" | sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/')
    all=$(echo "$line" | sed -E 's/.* out of ([0-9]+).*/\1/')
    if [ -n "$line" ]; then
        total_pass=$((total_pass + all - failed))
        total_fail=$((total_fail + failed))
    else
        total_fail=$((total_fail + 1))
        status=1
    fi
done
echo
echo "total: $total_pass passed, $total_fail failed"
exit $status
