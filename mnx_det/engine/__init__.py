from .cli import (PretrainedNotFoundError, check_datasets, check_pretrained,
                  load_config, set_data_root, use_gloo_without_cuda)
from .schedule_scaling import (ScheduleScalingError, ScheduleScalingHook,
                               launcher_world_size, scale_schedule)

__all__ = [
    'PretrainedNotFoundError', 'ScheduleScalingError', 'ScheduleScalingHook',
    'check_datasets', 'check_pretrained', 'launcher_world_size', 'load_config',
    'scale_schedule', 'set_data_root', 'use_gloo_without_cuda'
]
