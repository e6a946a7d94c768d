#!/usr/bin/env bash
# scripts/proto-breaking.sh: `buf breaking` of proto/ against main, with the rules of
# proto/buf.yaml (FILE; docs/adr/0013-proto-breaking-rule.md). Works in a full clone (local
# branch main), a fresh or shallow CI clone where main exists only as origin/main, and a git
# worktree. Exit 0 = no breaking change, 100 = breaking changes listed above.
set -euo pipefail
cd "$(dirname "$0")/.."
BUF=node_modules/.bin/buf

if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  # A source tarball has no history to compare with; say so instead of failing the build.
  echo "proto-breaking: not a git checkout, nothing to compare with; skipped" >&2
  exit 0
fi

if git rev-parse --verify --quiet refs/heads/main >/dev/null; then
  ref="branch=main"
elif git rev-parse --verify --quiet refs/remotes/origin/main >/dev/null; then
  ref="ref=origin/main"
elif git remote get-url origin >/dev/null 2>&1 && git fetch --quiet --depth=1 origin main:refs/remotes/origin/main; then
  ref="ref=origin/main"
else
  echo "proto-breaking: no main to compare with (neither a local 'main' nor 'origin/main', and fetching origin main failed)" >&2
  exit 2
fi
# buf reads the repository itself; in a worktree .git is a file, so name the common git dir.
gitdir="$(git rev-parse --path-format=absolute --git-common-dir)"
echo "buf breaking proto/ against ${ref#*=} (rules: $(sed -n '/^breaking:/,/^[a-z]/{/^    - /p}' proto/buf.yaml | head -1 | tr -d ' -'))"
cd proto && "../$BUF" breaking --against "${gitdir}#${ref},subdir=proto"
