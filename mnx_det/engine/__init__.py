from .cli import (check_datasets, drop_missing_pretrained, load_config,
                  set_data_root, use_gloo_without_cuda)

__all__ = [
    'check_datasets', 'drop_missing_pretrained', 'load_config',
    'set_data_root', 'use_gloo_without_cuda'
]
