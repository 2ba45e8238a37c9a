"""Training machinery in mmdet's sense of ``engine``: hooks, and the
official rule for scaling a one-process schedule to N processes."""
from .hooks import (CheckpointFitHook, NonFiniteLossError, NonFiniteLossHook,
                    PreemptionHook, ScheduleScalingError, ScheduleScalingHook,
                    TrainingPreempted, describe_schedule, launcher_world_size,
                    move_schedule, scale_schedule)

__all__ = [
    'CheckpointFitHook', 'NonFiniteLossError', 'NonFiniteLossHook',
    'PreemptionHook', 'ScheduleScalingError', 'TrainingPreempted',
    'ScheduleScalingHook', 'describe_schedule', 'launcher_world_size',
    'move_schedule', 'scale_schedule'
]
