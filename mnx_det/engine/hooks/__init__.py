from .checkpoint_fit import CheckpointFitHook
from .non_finite_loss import NonFiniteLossError, NonFiniteLossHook
from .preemption import PreemptionHook, TrainingPreempted
from .schedule_scaling import (ScheduleScalingError, ScheduleScalingHook,
                               describe_schedule, launcher_world_size,
                               move_schedule, scale_schedule)

__all__ = [
    'CheckpointFitHook', 'NonFiniteLossError', 'NonFiniteLossHook',
    'PreemptionHook', 'ScheduleScalingError', 'TrainingPreempted',
    'ScheduleScalingHook', 'describe_schedule', 'launcher_world_size',
    'move_schedule', 'scale_schedule'
]
