#!/usr/bin/env bash
# Checks that `npm install -g frogpond` gives a working `frog`: packs the package from a copy of
# this checkout (building dist/ as `npm pack` does, through the prepack script), installs the
# tarball into a temporary prefix (dependencies from the npm cache when it has them), and runs
# the installed `frog`: --version, resolve and run on an example, a store with --data.
# Usage: packaging/check-install.sh [WORKDIR]   (WORKDIR is removed afterwards unless KEEP=1)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${1:-$(mktemp -d -t frog-install-XXXXXX)}"
[[ "${KEEP:-}" == 1 ]] || trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src" "$work/out" "$work/prefix" "$work/run"

# A copy of what the package is built from, with the checkout's node_modules for the build.
for p in package.json package-lock.json tsconfig.json tsconfig.build.json README.md bin core functions language compiler runtime stdlib cli index.ts testing.ts library examples packaging; do
  cp -R "$root/$p" "$work/src/"
done
ln -s "$root/node_modules" "$work/src/node_modules"

(cd "$work/src" && npm run --silent prepack && npm pack --ignore-scripts --silent --pack-destination "$work/out" >/dev/null)
tarball="$(ls "$work/out"/frogpond-*.tgz)"
npm install -g --prefix "$work/prefix" --prefer-offline --no-audit --no-fund --loglevel=error "$tarball" >/dev/null

frog="$work/prefix/bin/frog"
installed="$work/prefix/lib/node_modules/frogpond"
for dev in typescript ava @types/node; do
  if [[ -e "$installed/node_modules/$dev" ]]; then echo "check-install: development dependency $dev was installed" >&2; exit 1; fi
done
cd "$work/run"
echo "version: $("$frog" --version)"
"$frog" resolve "$installed/examples/hello.sf" > resolved.json
node -e "const r = JSON.parse(require('fs').readFileSync('resolved.json', 'utf8')); if (!r.greet) process.exit(1)"
echo "resolve: ok"
"$frog" run "$installed/examples/hello.sf" --data "$work/run/data" > run.out 2>&1
grep -q 'Hello, world!' run.out
echo "run: ok"
"$frog" completion bash | grep -q '_frog_completion'
echo "completion: ok"
echo "check-install: frog installs and runs from $tarball"
