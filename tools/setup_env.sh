#!/usr/bin/env bash
# Set up the project's virtual environment (.venv/) from nothing.
#
# Every package comes through pip, so PIP_INDEX_URL, pip.conf, credentials
# and certificates apply as usual. mmcv 2.1.0 has no CPU wheel, so its
# source release is built once (9-10 minutes on 2 cores) and the wheel is
# cached outside the repository, keyed by the mmcv, installed torch and
# Python versions, for every later clone to reuse.
#
# Usage: bash tools/setup_env.sh              (idempotent; fast when set up)
#        bash tools/setup_env.sh --wheel-dir  (print the mmcv cache folder)
# Env:   PYTHON (default python3.11), MNX_DET_CACHE (default
#        ${XDG_CACHE_HOME:-~/.cache}/mnx_det), MAX_JOBS (compile jobs).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3.11}"
VENV="$ROOT/.venv"
CONSTRAINTS="$ROOT/requirements/constraints.txt"
CACHE="${MNX_DET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mnx_det}"
STAMP="$VENV/.mnx_det-setup"

MMCV_VERSION=2.1.0
MMCV_SHA256=d387bcab66b467479b6660310e23746cfc79c6e57acf04094680adb499a5cd3f

log() { printf '[setup %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

# The stamp holds a hash of everything that decides the environment; when it
# matches, the environment is current and nothing is done.
fingerprint() {
    cat "$CONSTRAINTS" requirements/*.txt setup.cfg tools/setup_env.sh | sha256sum | cut -d' ' -f1
}
if [[ "${1:-}" != --wheel-dir && -f "$STAMP" &&
      "$(cat "$STAMP")" == "$(fingerprint)" ]]; then
    exit 0
fi

if [[ ! -x "$VENV/bin/python" ]]; then
    log "creating $VENV with $PYTHON"
    "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
pip_install() { "$PY" -m pip install --quiet -c "$CONSTRAINTS" "$@"; }

# The mmcv wheel is built against the torch installed here, so its cache
# key is that torch's version, whatever the constraints file says.
wheel_dir() {
    "$PY" - "$CACHE" "$MMCV_VERSION" <<'EOF'
import sys
import torch
cache, mmcv = sys.argv[1:]
torch_version = torch.__version__.split('+')[0]
python = f'cp{sys.version_info[0]}{sys.version_info[1]}'
print(f'{cache}/wheels/mmcv-{mmcv}-torch{torch_version}-{python}')
EOF
}

if [[ "${1:-}" == --wheel-dir ]]; then
    wheel_dir
    exit 0
fi

log "installing build tools, torch and torchvision"
# setuptools < 82: mmcv's setup.py imports pkg_resources.
pip_install setuptools wheel ninja
pip_install torch torchvision
WHEEL_DIR="$(wheel_dir)"

build_mmcv_wheel() {
    local work src
    work="$(mktemp -d)"
    # The build folder goes, whether the build succeeds or fails.
    trap 'rm -rf "$work"' EXIT
    log "downloading the mmcv $MMCV_VERSION source release with pip"
    # Without build isolation, pip reads the sdist's metadata with the torch
    # and setuptools installed above (mmcv's setup.py imports both).
    "$PY" -m pip download --quiet --no-deps --no-binary :all: \
        --no-build-isolation -d "$work" "mmcv==$MMCV_VERSION"
    echo "$MMCV_SHA256  $work/mmcv-$MMCV_VERSION.tar.gz" | sha256sum -c --quiet
    tar -xzf "$work/mmcv-$MMCV_VERSION.tar.gz" -C "$work"
    src="$work/mmcv-$MMCV_VERSION"
    # PyTorch >= 2.13 headers need C++20; mmcv forces C++17.
    sed -i "s/-std=c++17/-std=c++20/g" "$src/setup.py"
    log "building mmcv $MMCV_VERSION with CPU ops (9-10 minutes on 2 cores)"
    (cd "$src" && MMCV_WITH_OPS=1 FORCE_CUDA=0 MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
        "$PY" -m pip wheel --no-build-isolation --no-deps -w "$work/dist" .)
    mkdir -p "$WHEEL_DIR"
    # Copy then rename so a killed build never leaves a half-written wheel.
    for whl in "$work"/dist/mmcv-*.whl; do
        cp "$whl" "$WHEEL_DIR/.$(basename "$whl").part"
        mv "$WHEEL_DIR/.$(basename "$whl").part" "$WHEEL_DIR/$(basename "$whl")"
    done
    rm -rf "$work"
    trap - EXIT
}

if ! compgen -G "$WHEEL_DIR/mmcv-*.whl" > /dev/null; then
    build_mmcv_wheel
else
    log "reusing cached mmcv wheel from $WHEEL_DIR"
fi

log "installing mmcv, mmengine, mmdet and the project"
# mmengine declares opencv-python, which would shadow the headless build we
# pin; its other needs are in requirements/runtime.txt, so the OpenMMLab
# packages (and this one, which names them) go in without their declared
# dependencies.
pip_install -r requirements/runtime.txt -r requirements/tests.txt
pip_install --no-deps "$WHEEL_DIR"/mmcv-*.whl mmengine mmdet
pip_install --no-deps --no-build-isolation -e .

fingerprint > "$STAMP"
log "environment ready: $VENV"
