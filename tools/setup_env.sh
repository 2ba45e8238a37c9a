#!/usr/bin/env bash
# Set up the project's virtual environment (.venv/) from nothing.
#
# torch/torchvision come from this machine's package index; mmcv 2.1.0 has no
# CPU wheel on PyPI, so its source release is built once (about 28 minutes on
# 2 cores) and the wheel is cached outside the repository, keyed by the mmcv,
# torch and Python versions, for every later clone to reuse.
#
# Usage: bash tools/setup_env.sh          (idempotent; fast when already set up)
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
TORCH_VERSION=2.14.1

log() { printf '[setup %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

# The stamp holds a hash of everything that decides the environment; when it
# matches, the environment is current and nothing is done.
fingerprint() {
    cat "$CONSTRAINTS" requirements/*.txt setup.cfg tools/setup_env.sh | sha256sum | cut -d' ' -f1
}
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$(fingerprint)" ]]; then
    exit 0
fi

if [[ ! -x "$VENV/bin/python" ]]; then
    log "creating $VENV with $PYTHON"
    "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
pip_install() { "$PY" -m pip install --quiet -c "$CONSTRAINTS" "$@"; }

log "installing build tools, torch and torchvision"
# setuptools < 82: mmcv's setup.py imports pkg_resources.
pip_install setuptools wheel ninja
pip_install torch torchvision

PY_TAG="$("$PY" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')"
WHEEL_DIR="$CACHE/wheels/mmcv-$MMCV_VERSION-torch$TORCH_VERSION-$PY_TAG"

build_mmcv_wheel() {
    local work src tarball url
    work="$(mktemp -d)"
    tarball="$work/mmcv-$MMCV_VERSION.tar.gz"
    # The JSON API is not reachable here; the simple index is.
    url="$("$PY" - "$MMCV_VERSION" <<'EOF'
import re, sys, urllib.request
html = urllib.request.urlopen('https://pypi.org/simple/mmcv/').read().decode()
name = re.escape(f'mmcv-{sys.argv[1]}.tar.gz')
print(re.search(rf'href="([^"#]*{name})', html).group(1))
EOF
)"
    log "downloading $url"
    curl -sSfL -o "$tarball" "$url"
    echo "$MMCV_SHA256  $tarball" | sha256sum -c --quiet
    tar -xzf "$tarball" -C "$work"
    src="$work/mmcv-$MMCV_VERSION"
    # PyTorch >= 2.13 headers need C++20; mmcv forces C++17.
    sed -i "s/-std=c++17/-std=c++20/g" "$src/setup.py"
    log "building mmcv $MMCV_VERSION with CPU ops (12-30 minutes on 2 cores)"
    (cd "$src" && MMCV_WITH_OPS=1 FORCE_CUDA=0 MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
        "$PY" -m pip wheel --no-build-isolation --no-deps -w "$work/dist" .)
    mkdir -p "$WHEEL_DIR"
    # Copy then rename so a killed build never leaves a half-written wheel.
    for whl in "$work"/dist/mmcv-*.whl; do
        cp "$whl" "$WHEEL_DIR/.$(basename "$whl").part"
        mv "$WHEEL_DIR/.$(basename "$whl").part" "$WHEEL_DIR/$(basename "$whl")"
    done
    rm -rf "$work"
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
