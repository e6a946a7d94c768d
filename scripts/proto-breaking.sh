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
  main="main"
elif git rev-parse --verify --quiet refs/remotes/origin/main >/dev/null; then
  main="origin/main"
elif git remote get-url origin >/dev/null 2>&1 && git fetch --quiet --depth=1 origin main:refs/remotes/origin/main; then
  main="origin/main"
else
  echo "proto-breaking: no main to compare with (neither a local 'main' nor 'origin/main', and fetching origin main failed)" >&2
  exit 2
fi
# Compare with where this branch left main, not with main's tip: a branch that is behind would
# otherwise see every proto addition landed on main since as a deletion. On main itself, and on a
# pull request's merge commit, the merge base is main's tip. A shallow clone without the common
# history is deepened first; if that fails too, it falls back to main's tip.
if ! git merge-base HEAD "$main" >/dev/null 2>&1 && [ "$(git rev-parse --is-shallow-repository)" = true ]; then
  git fetch --quiet --unshallow origin 2>/dev/null || true
  [ "$main" = origin/main ] && git fetch --quiet origin main:refs/remotes/origin/main 2>/dev/null || true
fi
if base="$(git merge-base HEAD "$main" 2>/dev/null)"; then
  ref="ref=$base"
  label="$main (merge base ${base:0:12})"
else
  ref="ref=$main"
  label="$main"
fi
# buf reads the repository itself; in a worktree .git is a file, so name the common git dir.
gitdir="$(git rev-parse --path-format=absolute --git-common-dir)"
echo "buf breaking proto/ against ${label} (rules: $(sed -n '/^breaking:/,/^[a-z]/{/^    - /p}' proto/buf.yaml | head -1 | tr -d ' -'))"
cd proto && "../$BUF" breaking --against "${gitdir}#${ref},subdir=proto"
