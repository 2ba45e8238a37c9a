#!/usr/bin/env bash
# Distributed training with torchrun: tools/dist_train.sh CONFIG GPUS [ARGS]
# On a machine without GPUs the processes train on CPU over gloo.
exec "$(dirname "$0")/dist_launch.sh" train.py "$2" "$1" "${@:3}"
