from .non_finite_loss import NonFiniteLossError, NonFiniteLossHook
from .schedule_scaling import (ScheduleScalingError, ScheduleScalingHook,
                               describe_schedule, launcher_world_size,
                               scale_schedule)

__all__ = [
    'NonFiniteLossError', 'NonFiniteLossHook', 'ScheduleScalingError',
    'ScheduleScalingHook', 'describe_schedule', 'launcher_world_size',
    'scale_schedule'
]
