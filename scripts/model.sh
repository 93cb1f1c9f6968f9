#!/usr/bin/env bash
# The text-embedding model of the default embedder (crates/embed), fetched once, with no set-up.
#
# The model is wordllama's static table l2_supercat_256 with its Llama 2 tokenizer. Model hubs are
# out of reach here, so it comes from the PyPI wheel wordllama==0.4.0.post1, which ships both
# files: pip downloads the wheel pinned by its sha256 (--require-hashes), the two model files and
# the licence are extracted into the git-ignored folder .models/wordllama-l2-supercat-256/ (or
# $EMBEDDER_MODEL_DIR), and each is checked against its own sha256. Nothing else of the wheel is
# kept, and nothing of Python is needed at run time. A second run finds the files with the right
# hashes and does nothing.
#
# The wheel's tags are given explicitly (CPython 3.11, manylinux x86_64; the model files are the
# same in every wheel of this version), so the download does not depend on the local Python or
# machine: wordllama 0.4.0.post1 has no wheel for other platforms, and none is needed.
#
# Usage: scripts/model.sh [fetch | dir]
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORDLLAMA_VERSION=0.4.0.post1
WHEEL=wordllama-$WORDLLAMA_VERSION-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.whl
WHEEL_SHA256=42c2c88907ace0b0681ac6f9092d6a300a6409a5d2d61071a3fb5e7159370c97
MODEL_DIR=${EMBEDDER_MODEL_DIR:-$ROOT/.models/wordllama-l2-supercat-256}

# <path in the wheel> <sha256 of the file>; each is stored in MODEL_DIR under its base name.
# crates/embed/src/wordllama.rs pins the same two model hashes and checks them on every load.
FILES=(
  "wordllama/weights/l2_supercat_256.safetensors 64b47a2dc493cb8e85944076601189739852d7b64e0e1eedcb1937a251cd9fd5"
  "wordllama/tokenizers/l2_supercat_tokenizer_config.json 93248f2a9ec36c7b35f700a033d5f36228aae48db61aee31007fa49062cdeb68"
  "wordllama-$WORDLLAMA_VERSION.dist-info/licenses/LICENSE a1e482c45bfab76056845e542ad4c95acfc4f38dd63be1c5b663c16065529fc8"
)

die() {
  echo "model: $*" >&2
  exit 1
}
say() { echo "model: $*" >&2; }

# Succeeds when every file is in MODEL_DIR with its sha256.
present() {
  local entry name sum
  for entry in "${FILES[@]}"; do
    name=${entry%% *}
    sum=${entry##* }
    [ -f "$MODEL_DIR/${name##*/}" ] || return 1
    [ "$(sha256sum "$MODEL_DIR/${name##*/}" | cut -d' ' -f1)" = "$sum" ] || return 1
  done
}

fetch() {
  present && return 0
  command -v python3 >/dev/null 2>&1 ||
    die "python3 is not installed: install Python 3 with pip (apt-get install python3-pip), or put the model files in $MODEL_DIR yourself"
  local pip
  if command -v pip3 >/dev/null 2>&1; then
    pip=(pip3)
  elif python3 -m pip --version >/dev/null 2>&1; then
    pip=(python3 -m pip)
  else
    die "pip is not installed: install Python 3 with pip (apt-get install python3-pip), or put the model files in $MODEL_DIR yourself"
  fi
  mkdir -p "$MODEL_DIR" || die "could not create $MODEL_DIR"
  local avail_kb
  avail_kb=$(df -Pk "$MODEL_DIR" | awk 'NR==2 {print $4}')
  [ "${avail_kb:-0}" -gt 80000 ] ||
    die "less than 80 MB free on $(df -P "$MODEL_DIR" | awk 'NR==2 {print $6}'): free some disk space and run again"
  local tmp
  tmp=$(mktemp -d "$MODEL_DIR/.download.XXXXXX")
  # shellcheck disable=SC2064 # expand now: tmp is local
  trap "rm -rf '$tmp'" EXIT
  printf 'wordllama==%s --hash=sha256:%s\n' "$WORDLLAMA_VERSION" "$WHEEL_SHA256" >"$tmp/requirements.txt"
  say "downloading wordllama==$WORDLLAMA_VERSION (the embedding model, 19 MB) from PyPI"
  "${pip[@]}" download --no-deps --require-hashes --only-binary=:all: --platform manylinux2014_x86_64 \
    --python-version 3.11 --implementation cp --abi cp311 --quiet --disable-pip-version-check \
    -r "$tmp/requirements.txt" -d "$tmp" >"$tmp/pip.log" 2>&1 ||
    die "could not download wordllama==$WORDLLAMA_VERSION from PyPI: $(grep -m 1 -E 'ERROR|error' "$tmp/pip.log" || tail -n 1 "$tmp/pip.log")"
  [ -f "$tmp/$WHEEL" ] || die "pip reported success but left no $WHEEL"
  local entry names=()
  for entry in "${FILES[@]}"; do names+=("${entry%% *}"); done
  # Into the download folder first, so that a failed check leaves no half-written model behind.
  python3 - "$tmp/$WHEEL" "$tmp" "${names[@]}" <<'PY' || die "could not extract the model files from $WHEEL"
import os, sys, zipfile
wheel, out, names = sys.argv[1], sys.argv[2], sys.argv[3:]
with zipfile.ZipFile(wheel) as z:
    for name in names:
        with open(os.path.join(out, os.path.basename(name)), "wb") as f:
            f.write(z.read(name))
PY
  local name sum got
  for entry in "${FILES[@]}"; do
    name=${entry%% *}
    sum=${entry##* }
    got=$(sha256sum "$tmp/${name##*/}" | cut -d' ' -f1)
    [ "$got" = "$sum" ] || die "${name##*/} from $WHEEL has sha256 $got, expected $sum"
  done
  for entry in "${FILES[@]}"; do
    name=${entry%% *}
    mv -f "$tmp/${name##*/}" "$MODEL_DIR/${name##*/}"
  done
  say "wordllama l2_supercat_256 is in $MODEL_DIR"
}

cmd=${1:-fetch}
case "$cmd" in
fetch) fetch ;;
dir) echo "$MODEL_DIR" ;;
*) die "unknown command '$cmd': use fetch | dir" ;;
esac
