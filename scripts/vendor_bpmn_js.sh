#!/usr/bin/env bash
# Copy the bpmn-js distribution files from the npm registry into api/static/vendor/bpmn-js/.
# The product then needs no network and no node at run time. Usage: scripts/vendor_bpmn_js.sh [VERSION]
set -euo pipefail
version="${1:-18.31.1}"
target="$(cd "$(dirname "$0")/.." && pwd)/api/static/vendor/bpmn-js"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "bpmn-js@${version}" >/dev/null && tar xzf bpmn-js-*.tgz)
rm -rf "$target" && mkdir -p "$target/assets"
cp "$work/package/dist/bpmn-modeler.production.min.js" "$work/package/dist/bpmn-navigated-viewer.production.min.js" "$target/"
cp -r "$work/package/dist/assets/." "$target/assets/"
cp "$work/package/LICENSE" "$target/LICENSE"
printf 'bpmn-js %s from the npm registry (npm pack bpmn-js@%s), licence in LICENSE (bpmn.io licence:\nthe bpmn.io watermark must stay visible). Updated by scripts/vendor_bpmn_js.sh.\n' "$version" "$version" > "$target/VERSION"
echo "vendored bpmn-js $version into $target"
