#!/usr/bin/env bash
# srun one of the tools, one process per GPU (mmdet's Slurm scripts):
#   tools/slurm_launch.sh PARTITION JOB_NAME SCRIPT [ARGS]
# The environment sets the job: GPUS (tasks, default 8), GPUS_PER_NODE (8),
# CPUS_PER_TASK (5), SRUN_ARGS (more srun options), PYTHON (python).
# mmengine's slurm launcher reads SLURM_PROCID, SLURM_NTASKS and the node
# list, and the schedule is scaled for SLURM_NTASKS processes.
set -x

PARTITION=$1
JOB_NAME=$2
SCRIPT=$3
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-""}

# SRUN_ARGS is split into options on purpose.
# shellcheck disable=SC2086
srun -p "${PARTITION}" \
    --job-name="${JOB_NAME}" \
    --gres=gpu:"${GPUS_PER_NODE}" \
    --ntasks="${GPUS}" \
    --ntasks-per-node="${GPUS_PER_NODE}" \
    --cpus-per-task="${CPUS_PER_TASK}" \
    --kill-on-bad-exit=1 \
    ${SRUN_ARGS} \
    "${PYTHON:-python}" -u "$(dirname "$0")/${SCRIPT}" "${@:4}" --launcher=slurm
