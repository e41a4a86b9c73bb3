#!/usr/bin/env bash
# chromium.sh installs Debian's chromium package, which the console's
# browser tests (console/browser_test.go, driven by chromedp) run, when no
# Chromium is found. It is idempotent and quiet when Chromium is present.
#
#   scripts/chromium.sh
#
# It needs apt-get and root (or sudo). Where it cannot install, it says so
# and exits 0: the browser tests then skip locally, and fail under CI=true.
set -euo pipefail

for b in chromium chromium-browser google-chrome; do
	if command -v "$b" >/dev/null 2>&1; then
		exit 0
	fi
done

if ! command -v apt-get >/dev/null 2>&1; then
	echo "chromium.sh: no Chromium and no apt-get; install Chromium to run the browser tests" >&2
	exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
	if ! command -v sudo >/dev/null 2>&1; then
		echo "chromium.sh: no Chromium, and installing it needs root; the browser tests will skip" >&2
		exit 0
	fi
	sudo="sudo"
fi
echo "chromium.sh: installing Debian's chromium package for the browser tests" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null
command -v chromium >/dev/null
