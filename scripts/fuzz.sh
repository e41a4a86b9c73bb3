#!/usr/bin/env bash
# Runs every fuzz target of the module for FUZZTIME each (default 4000x:
# a count of inputs rather than a duration, because a duration ends in
# "context deadline exceeded" failures when the machine is busy), with
# FUZZMINIMIZETIME (default 5s) to minimise a failing input, so that a
# finding ends the run in seconds rather than the default minute.
# Findings land in the package's testdata/fuzz and become regression tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
fuzztime=${FUZZTIME:-4000x}
minimize=${FUZZMINIMIZETIME:-5s}
n=0
for pkg in $(go list ./...); do
	for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
		echo "fuzz: $pkg $target ($fuzztime)"
		go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -fuzzminimizetime "$minimize" "$pkg" >/tmp/citebot-fuzz.$$ 2>&1 || {
			cat /tmp/citebot-fuzz.$$
			rm -f /tmp/citebot-fuzz.$$
			echo "fuzz: $target found a failure; its input is in the package's testdata/fuzz/$target"
			exit 1
		}
		n=$((n + 1))
	done
done
rm -f /tmp/citebot-fuzz.$$
echo "fuzz: $n targets ran for $fuzztime each"
