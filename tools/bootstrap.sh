#!/usr/bin/env bash
# Sets up .venv with the pinned MMRotate 1.x stack and this package (editable, with test extras),
# plus openmim and a file-less `mmrotate` alias distribution so that `mim train mmrotate CONFIG` works.
#
#   tools/bootstrap.sh            # idempotent; a second run with nothing changed takes seconds
#   STACK=onedl tools/bootstrap.sh   # the OneDL fork (onedl-mmcv/-mmengine/-mmdetection/-mmrotate)
#                                    # in .venv-onedl, pinned by requirements/stack-onedl.txt
#
# Steps are printed; the full log is in .setup.log. The compiled mmcv wheel is cached outside the
# checkout, in $MMROTATE_DAL_CACHE (default ~/.cache/mmrotate-dal), keyed by mmcv/torch/python/CUDA
# versions, so a fresh clone on the same machine does not compile it again.
#
# Environment knobs:
#   STACK=default|onedl      which distributions provide mmcv/mmengine/mmdet/mmrotate (default:
#                            mmcv + mmengine + mmdet + mmrotate-dev, requirements/stack.txt)
#   PYTHON=python3.11        interpreter used to create .venv
#   VENV=.venv               where the environment goes (default .venv, or .venv-onedl)
#   FORCE_CUDA=1             build mmcv's CUDA ops (needs nvcc and a CUDA torch); by default the CUDA
#                            ops are built only when torch sees a GPU
#   TORCH_CUDA_ARCH_LIST     GPU architectures to compile for (e.g. "9.0" for H100/H200, "8.0;8.6"
#                            for A100/RTX 30xx); default: the visible GPU's. It is part of the
#                            wheel cache key, so a wheel is never reused on another architecture.
#   MAX_JOBS=N               parallel compiler jobs (default: all cores)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
STACK="${STACK:-default}"
case "$STACK" in
  default) PINS="$ROOT/requirements/stack.txt"; MMCV_DIST=mmcv
           STACK_DISTS="mmengine mmdet mmrotate-dev"; VENV="${VENV:-$ROOT/.venv}"
           LOG="${LOG:-$ROOT/.setup.log}" ;;
  onedl)   PINS="$ROOT/requirements/stack-onedl.txt"; MMCV_DIST=onedl-mmcv
           STACK_DISTS="onedl-mmengine onedl-mmdetection onedl-mmrotate"
           VENV="${VENV:-$ROOT/.venv-onedl}"; LOG="${LOG:-$ROOT/.setup-onedl.log}" ;;
  *) printf '[setup] FAILED: unknown STACK=%s (use default or onedl)\n' "$STACK" >&2; exit 1 ;;
esac
CACHE="${MMROTATE_DAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mmrotate-dal}"
STAMP="$VENV/.mmrotate-dal-stamp"
: > "$LOG"

step() { printf '[setup] %s\n' "$*"; printf '\n===== %s =====\n' "$*" >> "$LOG"; }
fail() {
  printf '[setup] FAILED: %s\n' "$1" >&2
  [ $# -gt 1 ] && printf '[setup]   why: %s\n' "$2" >&2
  printf '[setup]   last lines of %s:\n' "$LOG" >&2
  tail -n 8 "$LOG" | sed 's/^/[setup]     /' >&2
  exit 1
}
run() { "$@" >> "$LOG" 2>&1; }
pin() { sed -n "s/^$1==\([^ ]*\).*/\1/p" "$PINS"; }

MMCV_VERSION="$(pin "$MMCV_DIST")"
TORCH_VERSION="$(pin torch)"
[ -n "$MMCV_VERSION" ] && [ -n "$TORCH_VERSION" ] || fail "reading pins" "$PINS has no $MMCV_DIST==/torch== line"

want_stamp="$( (cat "$PINS" pyproject.toml tools/mim_alias.py; echo "stack=$STACK cuda=${FORCE_CUDA:-auto} arch=${TORCH_CUDA_ARCH_LIST:-}") | sha256sum | cut -c1-16)"
if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want_stamp" ] \
   && "$VENV/bin/python" -c "import mmcv._ext, mmdet, mmrotate, mmrotate_dal" >> "$LOG" 2>&1 \
   && "$VENV/bin/python" tools/mim_alias.py --check >> "$LOG" 2>&1; then
  step "environment up to date ($VENV); nothing to do"
  exit 0
fi

step "1/6 python: $VENV (stack: $STACK)"
"$PYTHON" -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version' >> "$LOG" 2>&1 \
  || fail "python check" "$PYTHON is not Python 3.11 (set PYTHON=python3.11)"
[ -x "$VENV/bin/python" ] || run "$PYTHON" -m venv "$VENV" || fail "creating the venv" "python -m venv failed"
PY="$VENV/bin/python"
PIP=("$PY" -m pip --disable-pip-version-check)
run "${PIP[@]}" install -c "$PINS" "setuptools" wheel ninja packaging \
  || fail "installing build tools" "pip could not install setuptools/wheel/ninja (is PyPI reachable?)"

step "2/6 torch $TORCH_VERSION + torchvision (from local wheels where present)"
run "${PIP[@]}" install -c "$PINS" torch torchvision \
  || fail "installing torch" "pip could not install torch==$TORCH_VERSION / torchvision"
run "$PY" -c "import torch, torchvision; print(torch.__version__, torchvision.__version__)" \
  || fail "importing torch" "torch/torchvision installed but do not import"

# ----- mmcv with compiled ops, cached by version key --------------------------------------------
CUDA_TAG="$("$PY" - <<'PY'
import os, torch
gpu = torch.cuda.is_available() or os.environ.get('FORCE_CUDA') == '1'
if gpu and torch.version.cuda:
    arch = os.environ.get('TORCH_CUDA_ARCH_LIST') or (
        '.'.join(map(str, torch.cuda.get_device_capability())) if torch.cuda.is_available() else 'all')
    print(f"cu{torch.version.cuda.replace('.', '')}_sm{arch.replace(';', '-').replace(' ', '-')}")
else:
    print('cpu')
PY
)"
PY_TAG="$("$PY" -c 'import sys; print(f"py{sys.version_info[0]}{sys.version_info[1]}")')"
TORCH_TAG="$("$PY" -c 'import torch; print(torch.__version__.split("+")[0])')"
KEY="${MMCV_DIST}-${MMCV_VERSION}_torch-${TORCH_TAG}_${PY_TAG}_${CUDA_TAG}"
WHEEL_DIR="$CACHE/wheels/$KEY"

if "$PY" -c "import mmcv, mmcv._ext, sys; sys.exit(mmcv.__version__ != '$MMCV_VERSION')" >> "$LOG" 2>&1; then
  step "3/6 $MMCV_DIST $MMCV_VERSION with ops already installed"
else
  if ! ls "$WHEEL_DIR"/*mmcv-*.whl > /dev/null 2>&1; then
    step "3/6 building $MMCV_DIST $MMCV_VERSION ops ($CUDA_TAG) - 12-20 min on 2 cores, once per machine"
    SRC="$CACHE/src/$KEY"
    rm -rf "$SRC" && mkdir -p "$SRC" "$WHEEL_DIR"
    run "${PIP[@]}" download --no-deps --no-binary :all: -d "$SRC" "$MMCV_DIST==$MMCV_VERSION" \
      || fail "downloading the $MMCV_DIST sdist" "pip download $MMCV_DIST==$MMCV_VERSION failed"
    run tar -xzf "$SRC"/*mmcv-*.tar.gz -C "$SRC" || fail "unpacking the $MMCV_DIST sdist"
    MMCV_SRC="$(ls -d "$SRC"/*mmcv-*/ | head -n 1)"
    # Current torch headers need C++20; mmcv's (and onedl-mmcv's) setup.py hard-codes
    # -std=c++17. Patch the unpacked sdist (a private copy in the cache), never site-packages.
    TORCH_MAJOR_MINOR="$("$PY" -c 'import torch; print(".".join(torch.__version__.split(".")[:2]))')"
    if "$PY" -c "import sys; sys.exit(tuple(map(int, '$TORCH_MAJOR_MINOR'.split('.'))) < (2, 10))"; then
      sed -i 's/-std=c++17/-std=c++20/g' "$MMCV_SRC/setup.py"
    fi
    ( cd "$MMCV_SRC" && MMCV_WITH_OPS=1 MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
        "${PIP[@]}" wheel -v --no-build-isolation --no-deps -w "$WHEEL_DIR" . ) >> "$LOG" 2>&1 \
      || { rm -rf "$WHEEL_DIR"; fail "compiling $MMCV_DIST $MMCV_VERSION" "the C++ build failed (compiler errors are in $LOG)"; }
    rm -rf "$SRC"
  else
    step "3/6 $MMCV_DIST $MMCV_VERSION: using cached wheel $WHEEL_DIR"
  fi
  run "${PIP[@]}" install -c "$PINS" "$WHEEL_DIR"/*mmcv-*.whl \
    || fail "installing the mmcv wheel" "pip rejected $WHEEL_DIR"
  run "$PY" -c "import mmcv._ext" \
    || fail "importing mmcv._ext" "the cached wheel does not load with this torch; delete $WHEEL_DIR and rerun"
fi

step "4/6 $STACK_DISTS (MMRotate 1.x), openmim, numpy<2"
# shellcheck disable=SC2086
run "${PIP[@]}" install -c "$PINS" $STACK_DISTS numpy openmim \
  || fail "installing the OpenMMLab stack" "see $LOG"

step "5/6 mmrotate-dal (editable, with test extras)"
run "${PIP[@]}" install -c "$PINS" --no-build-isolation -e ".[tests]" \
  || fail "installing mmrotate-dal" "pip install -e .[tests] failed"

step "6/6 mim alias (\`mim train mmrotate ...\`) and smoke check"
run "$PY" tools/mim_alias.py \
  || fail "installing the mmrotate alias for mim" "see $LOG (tools/mim_alias.py explains)"
run "$PY" -c "import mmcv._ext, mmdet, mmrotate, mmrotate_dal; print('ok', mmcv.__version__, mmdet.__version__, mmrotate.__version__)" \
  || fail "import smoke check" "the stack installed but does not import together"
run "${PIP[@]}" check || fail "pip check" "installed distributions have broken requirements"
echo "$want_stamp" > "$STAMP"
step "done: $VENV ($("$PY" -c 'import mmcv, mmdet, mmengine, mmrotate, torch; print(f"torch {torch.__version__}, mmcv {mmcv.__version__}, mmengine {mmengine.__version__}, mmdet {mmdet.__version__}, mmrotate {mmrotate.__version__}")'))"
