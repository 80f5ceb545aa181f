#!/usr/bin/env bash
# Coverage-guided fuzzing of the schema compiler with libFuzzer (swiftc -sanitize=fuzzer,address).
#   Fuzz/run.sh [seconds]      default 300; the corpus starts from every schema in the repository.
# A crash is written to Fuzz/crashes/; reduce it, fix the bug, and keep the input as a regression
# fixture in Tests/OptimisticLockCompilerTests/Fixtures/FuzzRegressions/ (swift test compiles them all).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-300}
work=$(mktemp -d /tmp/optimistic-lock-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" Fuzz/crashes
find Schemas Tests -name '*.schema' | while read -r file; do cp "$file" "$work/corpus/$(echo "$file" | tr '/' '_')"; done
cp Tests/OptimisticLockCompilerTests/Fixtures/FuzzRegressions/* "$work/corpus/" 2>/dev/null || true
swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name FuzzSchema \
    Fuzz/FuzzSchemaCompiler.swift $(find Sources/_OptimisticLockCompiler -name '*.swift') \
    -o "$work/fuzz-schema" 2>&1 | grep -v "Cannot export local symbol" || true
"$work/fuzz-schema" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=4096 \
    -artifact_prefix=Fuzz/crashes/ "$work/corpus"
