"""Stack fixes in mnx_det.compat: each test fails without its fix."""
import copy

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub
from mmengine.model import BaseModel
from mmengine.runner import Runner
from mmengine.runner.checkpoint import _load_checkpoint
from torch.utils.data import Dataset

from mnx_det.checkpoint import UnsafeCheckpointError, load_checkpoint_file
from helpers import CodeRunningPayload


class PairDataset(Dataset):

    def __len__(self):
        return 8

    def __getitem__(self, index):
        x = torch.full((2, ), float(index))
        return dict(inputs=x, targets=x.sum(0, keepdim=True))


class TinyModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(2, 1)

    def forward(self, inputs, targets, mode='tensor'):
        out = self.linear(inputs)
        if mode == 'loss':
            return dict(loss=torch.nn.functional.mse_loss(out, targets))
        return out


def make_runner(work_dir, max_epochs, **kwargs):
    return Runner(
        model=TinyModel(),
        work_dir=str(work_dir),
        train_dataloader=dict(
            dataset=PairDataset(),
            sampler=dict(type='DefaultSampler', shuffle=False),
            collate_fn=dict(type='default_collate'),
            batch_size=4),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.001)),
        param_scheduler=dict(type='MultiStepLR', milestones=[1], gamma=0.5),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        default_hooks=dict(
            checkpoint=dict(type='CheckpointHook', interval=1),
            logger=dict(type='LoggerHook', interval=1)),
        experiment_name=f'compat_{max_epochs}_{len(kwargs)}',
        **kwargs)


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    work_dir = tmp_path_factory.mktemp('runner')
    runner = make_runner(work_dir, max_epochs=2)
    runner.message_hub.update_info('np_value', np.float64(0.5))
    runner.train()
    return work_dir, runner


def test_runner_checkpoint_loads_with_weights_only(trained):
    work_dir, _ = trained
    # torch.load's default (weights_only=True) and no allow-list at all.
    checkpoint = torch.load(work_dir / 'epoch_2.pth')
    scalars = checkpoint['message_hub']['log_scalars']
    assert isinstance(scalars['train/loss'], dict)
    assert len(scalars['train/loss']['log_history']) == 4
    assert checkpoint['message_hub']['runtime_info']['np_value'] == 0.5


def test_resume_restores_state(trained):
    work_dir, first = trained
    runner = make_runner(work_dir, max_epochs=3, resume=True)
    runner.train()
    assert runner.epoch == 3
    loss = runner.message_hub.get_scalar('train/loss')
    assert isinstance(loss, HistoryBuffer)
    # 2 resumed epochs of 2 iterations each, then one more epoch.
    assert len(loss.data[0]) == 6
    # the MultiStepLR milestone (a Counter) came back: lr halved once.
    assert runner.optim_wrapper.get_lr()['lr'] == [0.0005]


def test_load_from_for_testing(trained):
    work_dir, first = trained
    runner = make_runner(work_dir, max_epochs=1)
    runner.load_checkpoint(str(work_dir / 'epoch_2.pth'))
    torch.testing.assert_close(runner.model.linear.weight,
                               first.model.linear.weight)


def test_message_hub_round_trip():
    hub = MessageHub.get_instance('compat_round_trip')
    hub.update_scalar('loss', 1.5)
    hub.update_scalar('loss', 0.5, count=2)
    hub.update_info('best', np.float32(0.25))
    state = copy.deepcopy(hub.state_dict())
    restored = MessageHub('compat_restored')
    restored.load_state_dict(state)
    buffer = restored.get_scalar('loss')
    np.testing.assert_array_equal(buffer.data[0], [1.5, 0.5])
    np.testing.assert_array_equal(buffer.data[1], [1, 2])
    assert restored.get_info('best') == 0.25


def test_checkpoint_with_code_is_refused(tmp_path):
    path = tmp_path / 'evil.pth'
    torch.save(dict(state_dict={}, extra=CodeRunningPayload()), path)
    with pytest.raises(UnsafeCheckpointError, match='evil.pth.*system'):
        load_checkpoint_file(str(path))
    # mmengine's own loading (load_from, resume, Pretrained) goes through it
    with pytest.raises(UnsafeCheckpointError, match='evil.pth'):
        _load_checkpoint(str(path))


def test_checkpoint_with_arbitrary_class_is_refused(tmp_path):
    path = tmp_path / 'object.pth'
    torch.save(dict(buffer=HistoryBuffer([1.0], [1])), path)
    with pytest.raises(UnsafeCheckpointError, match='HistoryBuffer'):
        _load_checkpoint(str(path))


def test_safe_globals_extend_what_the_user_allowed(tmp_path):
    """A class the user allowed stays allowed after a load, and counts in
    it; the project's own allow-list is gone again afterwards."""
    import collections
    import types
    path = tmp_path / 'counter.pth'
    torch.save(dict(milestones=collections.Counter([3, 3])), path)
    user_path = tmp_path / 'namespace.pth'
    torch.save(dict(meta=types.SimpleNamespace(epoch=3)), user_path)
    with pytest.raises(UnsafeCheckpointError, match='SimpleNamespace'):
        load_checkpoint_file(str(user_path))
    before = torch.serialization.get_safe_globals()
    try:
        torch.serialization.add_safe_globals(
            [collections.Counter, types.SimpleNamespace])
        assert load_checkpoint_file(str(path))['milestones'][3] == 2
        assert load_checkpoint_file(str(user_path))['meta'].epoch == 3
        assert types.SimpleNamespace in torch.serialization.get_safe_globals()
        assert collections.Counter in torch.serialization.get_safe_globals()
    finally:
        torch.serialization.clear_safe_globals()
        torch.serialization.add_safe_globals(before)
    load_checkpoint_file(str(path))
    assert collections.Counter not in torch.serialization.get_safe_globals()


def test_torch_force_no_weights_only_load_is_honoured(tmp_path, monkeypatch):
    """As for torch.load: the user's opt-out lets any pickle load."""
    path = tmp_path / 'buffer.pth'
    torch.save(dict(buffer=HistoryBuffer([1.0], [1])), path)
    with pytest.raises(UnsafeCheckpointError):
        load_checkpoint_file(str(path))
    monkeypatch.setenv('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', '1')
    assert isinstance(load_checkpoint_file(str(path))['buffer'], HistoryBuffer)
    assert isinstance(_load_checkpoint(str(path))['buffer'], HistoryBuffer)


def test_missing_image_stays_a_file_not_found_error(tmp_path):
    from mmcv.transforms import LoadImageFromFile

    from mnx_det.errors import ImageLoadError
    path = tmp_path / 'nothere.jpg'
    with pytest.raises(FileNotFoundError, match='nothere.jpg') as error:
        LoadImageFromFile()(dict(img_path=str(path)))
    assert isinstance(error.value, ImageLoadError)


def test_missing_checkpoint_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match='nothere.pth'):
        load_checkpoint_file(str(tmp_path / 'nothere.pth'))


def test_voc_metric_labels_rows_with_the_dataset_classes(monkeypatch):
    from mmdet.evaluation import VOCMetric
    from mmdet.evaluation.metrics import voc_metric
    seen = {}

    def fake_eval_map(*args, dataset=None, **kwargs):
        seen['dataset'] = dataset
        return 0.5, [dict(ap=0.5)] * 3

    monkeypatch.setattr(voc_metric, 'eval_map', fake_eval_map)
    metric = VOCMetric(eval_mode='11points')
    classes = ('sheep', 'tvmonitor', 'bottle')
    metric.dataset_meta = dict(classes=classes, dataset_type='VOC2007')
    assert metric.compute_metrics([({}, [])])['mAP'] == 0.5
    assert tuple(seen['dataset']) == classes
    assert metric.dataset_meta['dataset_type'] == 'VOC2007'  # restored


def test_stack_imports_and_compiled_ops():
    import subprocess
    import sys
    result = subprocess.run([sys.executable, '-m', 'mnx_det.env'],
                            capture_output=True,
                            text=True,
                            check=True)
    assert 'compiled (NMS kept [0])' in result.stdout
    for package in ('torch', 'mmcv', 'mmengine', 'mmdet', 'pycocotools'):
        assert f'{package} ' in result.stdout
        assert 'not installed' not in result.stdout.split(f'{package} ')[1]


def test_patch_wraps_once_and_checks_the_release():
    import importlib.metadata

    from mnx_det import compat

    class Owner:

        def greet(self):
            return 'hello'

    def shout(original):
        return lambda self: original(self).upper()

    installed = importlib.metadata.version('mmengine')
    compat.patch(Owner, 'greet', 'mmengine', installed, shout)
    compat.patch(Owner, 'greet', 'mmengine', installed, shout)  # no-op
    assert Owner().greet() == 'HELLO'
    assert Owner.greet.__name__ == 'greet'
    with pytest.warns(
            RuntimeWarning,
            match=f'of mmengine 0.0.1, but mmengine {installed} '
            'is installed'):
        compat.patch(Owner, 'greet', 'mmengine', '0.0.1', shout)
