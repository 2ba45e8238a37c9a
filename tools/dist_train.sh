#!/usr/bin/env bash
# Distributed training with torchrun: tools/dist_train.sh CONFIG GPUS [ARGS]
# On a machine without GPUs the processes train on CPU over gloo.
CONFIG=$1
GPUS=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}

PYTHON=${PYTHON:-"$(dirname "$0")/../.venv/bin/python"}
[ -x "$PYTHON" ] || PYTHON=python
"$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$GPUS" \
    --master_port="$PORT" \
    "$(dirname "$0")/train.py" \
    "$CONFIG" \
    --launcher pytorch "${@:3}"
