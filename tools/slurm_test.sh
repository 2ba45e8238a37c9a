#!/usr/bin/env bash
# Testing on a Slurm cluster (environment: see slurm_launch.sh):
#   [GPUS=8] tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [ARGS]
exec "$(dirname "$0")/slurm_launch.sh" "$1" "$2" test.py "$3" "$4" "${@:5}"
