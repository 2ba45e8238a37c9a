#!/usr/bin/env bash
# torchrun one of the tools on N processes per node:
#   tools/dist_launch.sh SCRIPT NPROC [ARGS]   (SCRIPT: train.py, test.py)
# The environment sets the nodes: NNODES, NODE_RANK, PORT, MASTER_ADDR.
# On a machine without GPUs the processes run on CPU over gloo.
SCRIPT=$1
NPROC=$2
PYTHON=${PYTHON:-"$(dirname "$0")/../.venv/bin/python"}
[ -x "$PYTHON" ] || PYTHON=python
exec "$PYTHON" -m torch.distributed.run \
    --nnodes="${NNODES:-1}" \
    --node_rank="${NODE_RANK:-0}" \
    --master_addr="${MASTER_ADDR:-127.0.0.1}" \
    --nproc_per_node="$NPROC" \
    --master_port="${PORT:-29500}" \
    "$(dirname "$0")/$SCRIPT" "${@:3}" --launcher pytorch
