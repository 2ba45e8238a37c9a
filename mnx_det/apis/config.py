"""Configs as the tools use them: loading, pointing at a dataset, and the
checks that turn mistakes into clear messages before the Runner starts."""
import os.path as osp

import torch
from mmdet.registry import DATASETS
from mmengine.config import Config

from ..datasets import check_dataset_files, leaf_datasets
from ..errors import ConfigError, ConfigNotFoundError, UserError
from .config_checks import checked_options, syntax_error_message


def load_config(path, cfg_options=None, work_dir=None):
    """Load a config, apply ``--cfg-options`` and choose the work dir.

    As in mmdet: ``--work-dir`` wins, then the config's ``work_dir``, then
    ``work_dirs/<config name>``.

    Raises:
        ConfigError: The file is missing, it (or a ``_base_`` file) has a
            syntax error (named with its line), or an option names a key
            the config does not have (see
            :func:`~.config_checks.checked_options`).
    """
    if not osp.isfile(path):
        raise ConfigNotFoundError(f'config {path} does not exist')
    try:
        cfg = Config.fromfile(path)
    except FileNotFoundError as exc:  # a _base_ file
        raise ConfigNotFoundError(
            f'config {path} inherits {osp.normpath(exc.filename)}, which '
            'does not exist (see its _base_)') from None
    except SyntaxError as exc:
        message = syntax_error_message(path)
        if message is None:
            raise
        raise ConfigError(message) from exc
    if cfg_options:
        cfg.merge_from_dict(checked_options(cfg.to_dict(), cfg_options))
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('work_dirs',
                                osp.splitext(osp.basename(path))[0])
    return cfg


def dataset_classes(cfg, split='test'):
    """The class names of the config's ``split`` dataset, in label order:
    its ``metainfo`` or its dataset type's."""
    dataset = next(leaf_datasets(cfg[f'{split}_dataloader']['dataset']))
    metainfo = dataset.get('metainfo') or DATASETS.get(
        dataset['type']).METAINFO
    return tuple(metainfo['classes'])


def use_gloo_without_cuda(cfg):
    """NCCL needs GPUs; on CPU machines distributed runs use gloo, DDP
    wraps the model without ``device_ids`` (which are GPUs), and BN stays
    plain BN (PyTorch's SyncBatchNorm runs on GPUs only)."""
    if torch.cuda.is_available():
        return
    cfg.env_cfg.setdefault('dist_cfg', {})['backend'] = 'gloo'
    if cfg.get('sync_bn'):
        if cfg.get('launcher', 'none') != 'none':
            print(f'sync_bn={cfg.sync_bn!r} needs GPUs: this CPU-only run '
                  'keeps plain BN in every process')
        cfg.sync_bn = None
    if cfg.get('launcher', 'none') != 'none':
        # mmengine's default wrapper, less the GPU device_ids
        cfg.setdefault(
            'model_wrapper_cfg',
            dict(
                type='MMDistributedDataParallel',
                broadcast_buffers=False,
                find_unused_parameters=cfg.get('find_unused_parameters',
                                               False)))
        cfg.model_wrapper_cfg.setdefault('device_ids', None)


class PretrainedNotFoundError(UserError, FileNotFoundError):
    """A config's ImageNet weights file does not exist."""


def check_pretrained(cfg, converters=None):
    """Stop before training when the backbone's ``Pretrained`` file is absent.

    The paper's detectors start from ImageNet weights; silently training
    from scratch would cost a long run and much of the mAP. The error says
    how to make the file, and how to train from scratch on purpose.

    Args:
        cfg (Config): The training config.
        converters (dict, optional): Backbone type -> the command that
            writes its weights file, less the output path (the tools know
            where their converters are).

    Raises:
        PretrainedNotFoundError: naming the file and both ways forward.
    """
    backbone = cfg.model.get('backbone', {})
    init_cfg = backbone.get('init_cfg')
    if not (isinstance(init_cfg, dict) and init_cfg.get('type') == 'Pretrained'
            and '://' not in init_cfg['checkpoint']
            and not osp.isfile(init_cfg['checkpoint'])):
        return
    path = init_cfg['checkpoint']
    convert = (converters or {}).get(backbone['type'])
    scratch = 'model.backbone.init_cfg=None'
    if backbone.get('frozen_stages', -1) >= 0 or backbone.get('norm_eval'):
        # frozen random weights would never learn
        scratch += (' model.backbone.frozen_stages=-1 '
                    'model.backbone.norm_eval=False')
    how = f'  make it: {convert} {path}\n' if convert else ''
    raise PretrainedNotFoundError(
        f'ImageNet weights {path} not found (model.backbone.init_cfg); the '
        f'{backbone["type"]} backbone of this config starts from them.\n'
        f'{how}  or train from scratch on purpose: '
        f'--cfg-options {scratch}')


def _loader_datasets(cfg, loaders):
    """The dataset configs of the named dataloaders (e.g. 'train')."""
    for name in loaders:
        loader = cfg.get(f'{name}_dataloader')
        if loader:
            yield loader['dataset']


def check_datasets(cfg, loaders):
    """Check the VOC or COCO paths of the named dataloaders (e.g.
    'train')."""
    for dataset in _loader_datasets(cfg, loaders):
        check_dataset_files(dataset)


def set_data_root(cfg, data_root, loaders=('train', 'val', 'test')):
    """Point every dataset of the named dataloaders at ``data_root``, and
    the annotation files of their metrics (CocoMetric's) with them."""
    leaves = [
        leaf for dataset in _loader_datasets(cfg, loaders)
        for leaf in leaf_datasets(dataset)
    ]
    old_roots = {leaf.get('data_root') for leaf in leaves} - {None, ''}
    for leaf in leaves:
        leaf['data_root'] = data_root
    for name in loaders:
        metrics = cfg.get(f'{name}_evaluator') or []
        for metric in metrics if isinstance(metrics, list) else [metrics]:
            ann_file = metric.get('ann_file') or ''
            for old in old_roots:
                if ann_file.startswith(old):
                    metric['ann_file'] = osp.join(data_root,
                                                  ann_file[len(old):])
