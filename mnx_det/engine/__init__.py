from .checkpoints import (check_checkpoint_fits, latest_loadable_checkpoint,
                          resolve_resume)
from .cli import (PretrainedNotFoundError, add_launcher_args,
                  add_partial_load_arg, check_datasets, check_pretrained,
                  load_config, parse_launcher_args, set_data_root,
                  use_gloo_without_cuda)
from .errors import USER_ERRORS
from .non_finite_loss import NonFiniteLossError, NonFiniteLossHook
from .schedule_scaling import (ScheduleScalingError, ScheduleScalingHook,
                               launcher_world_size, scale_schedule)
from .work_dir_lock import WorkDirBusyError, WorkDirLock

__all__ = [
    'USER_ERRORS', 'NonFiniteLossError', 'add_launcher_args',
    'add_partial_load_arg', 'parse_launcher_args', 'resolve_resume',
    'NonFiniteLossHook', 'PretrainedNotFoundError', 'ScheduleScalingError',
    'ScheduleScalingHook', 'WorkDirBusyError', 'WorkDirLock',
    'check_checkpoint_fits', 'check_datasets', 'check_pretrained',
    'latest_loadable_checkpoint', 'launcher_world_size', 'load_config',
    'scale_schedule', 'set_data_root', 'use_gloo_without_cuda'
]
