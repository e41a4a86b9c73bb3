#!/usr/bin/env bash
# tools.sh installs the command-line tools ingestion uses when they are
# missing: tesseract (OCR of PDF pages without a text layer) and pdftoppm
# (poppler-utils, which rasterises those pages), both from Debian/Ubuntu
# apt. Without them citebot still runs; such pages are reported as skipped.
# A second run only checks and is silent.
set -euo pipefail

missing=()
command -v tesseract >/dev/null || missing+=(tesseract-ocr)
command -v pdftoppm >/dev/null || missing+=(poppler-utils)
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null; then
	echo "tools: ${missing[*]} missing and no apt-get here; install them to OCR scanned PDF pages" >&2
	exit 0
fi
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
echo "tools: installing ${missing[*]} (OCR of scanned PDF pages)" >&2
if ! { "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null ||
	{ "${sudo[@]}" apt-get update -qq && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; }; }; then
	echo "tools: could not install ${missing[*]}; scanned PDF pages will be reported as skipped" >&2
fi
