#!/usr/bin/env bash
# Issue 11's "done when": a typed client compiles against schema.graphql under strict null
# checks with no guards on guaranteed relations. Needs Node.js and npm, nothing else.
# Prints one line per step; on a surprise prints the step's output, then one FAIL line.
set -euo pipefail
cd "$(dirname "$0")"
bin=node_modules/.bin
log=$(mktemp)
trap 'rm -f "$log"' EXIT
fail() { cat "$log" >&2; echo "typed-client: FAIL: $*" >&2; exit 1; }

# Exact versions from package-lock.json. --loglevel=error hides the engine warnings that
# some @whatwg-node packages give on Node 20 (used for remote schemas; we read a local file).
npm ci --no-audit --no-fund --loglevel=error >"$log" 2>&1 || fail "npm ci"
echo "typed-client: npm ci ok"

# Typed documents for the operations in check.ts, and the persisted-documents manifest.
# A document the schema rejects (unknown field, wrong argument) fails here.
"$bin/graphql-codegen" --config codegen.ts >"$log" 2>&1 || fail "codegen rejected check.ts"
manifest="$PWD/gql/persisted-documents.json"
# TRUSTED_DOCUMENTS_MANIFEST reads a JSON object of id → document (ids bare or "sha256:"
# hex): make sure codegen still writes that, and that each id is its document's hash.
count=$(node -e '
  const crypto = require("crypto");
  const m = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const id = (doc) => "sha256:" + crypto.createHash("sha256").update(doc).digest("hex");
  const entries = m && typeof m === "object" && !Array.isArray(m) ? Object.entries(m) : [];
  if (!entries.length || !entries.every(([k, doc]) => typeof doc === "string" && k === id(doc)))
    process.exit(1);
  console.log(entries.length);' "$manifest") ||
  fail "$manifest is not an object of sha256:<hex> → document"
echo "typed-client: codegen ok, manifest of $count documents: $manifest"

# tsc accepts a needless guard, so look for one: check.ts's code (not its comments, nor its
# GraphQL, where ID! is fine) has no optional chaining (?.) and no non-null assertion (x!).
code=$(awk '/graphql\(`/ { g = 1 }
  !g && !/^ *\/\// { print "check.ts:" NR ": " $0 }
  /`\);/ { g = 0 }' check.ts)
if grep -E '\?\.|[]_)[:alnum:]]!([^=]|$)' <<<"$code" >"$log"; then
  fail "check.ts guards a relation (?. or !): the schema should guarantee it instead"
fi

"$bin/tsc" --noEmit --pretty false -p tsconfig.json >"$log" 2>&1 || fail "tsc -p tsconfig.json"
echo "typed-client: tsc -p tsconfig.json ok (strict, guaranteed relations read unguarded)"

# The negative check must fail with exactly the errors its "// expect TSnnnn" comments name:
# any other error (or one in gql/) would mean it fails for the wrong reason.
if "$bin/tsc" --noEmit --pretty false -p tsconfig.negative.json >"$log" 2>&1; then
  fail "negative.ts compiled: nullable fields read unguarded were accepted"
fi
expected=$(grep -noE 'expect TS[0-9]+' negative.ts | sed -E 's/^([0-9]+):expect /negative.ts:\1 /') ||
  true # no marker at all: the check below says so
actual=$(sed -E 's/^negative\.ts\(([0-9]+),[0-9]+\): error (TS[0-9]+):.*/negative.ts:\1 \2/' "$log")
[ -n "$expected" ] && [ "$actual" = "$expected" ] ||
  fail "negative.ts: expected errors [$(paste -sd, <<<"$expected")], got the above"
echo "typed-client: tsc -p tsconfig.negative.json failed as expected: $(paste -sd, <<<"$expected")"
