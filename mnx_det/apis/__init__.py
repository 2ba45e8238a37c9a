"""What the tools call: building detectors from configs, loading and
checking configs, command-line arguments, the work-dir lock and toy runs.
"""
from .builder import build_detector, without_pretrained
from .cli import (add_converter_args, add_launcher_args, add_partial_load_arg,
                  exit_on_termination, non_negative_int, output_file,
                  parse_launcher_args, positive_float, positive_int,
                  probability, run_converter)
from .config import (PretrainedNotFoundError, check_datasets, check_pretrained,
                     dataset_classes, load_config, set_data_root,
                     use_gloo_without_cuda)
from .portable_kernels import (PORTABLE_KERNELS, portable_kernels_active,
                               use_portable_kernels)
from .process_fixes import apply_process_fixes
from .toy_run import NO_WORKERS, toy_run_config
from .work_dir_lock import WorkDirBusyError, WorkDirLock

__all__ = [
    'NO_WORKERS', 'PORTABLE_KERNELS', 'PretrainedNotFoundError',
    'WorkDirBusyError', 'WorkDirLock', 'add_converter_args',
    'add_launcher_args', 'add_partial_load_arg', 'apply_process_fixes',
    'build_detector', 'check_datasets', 'check_pretrained', 'dataset_classes',
    'exit_on_termination', 'load_config', 'non_negative_int', 'output_file',
    'parse_launcher_args', 'portable_kernels_active', 'positive_float',
    'positive_int', 'probability', 'run_converter', 'set_data_root',
    'toy_run_config', 'use_gloo_without_cuda', 'use_portable_kernels',
    'without_pretrained'
]
