"""SSDLite-MobileNeXt learns: the toy config reaches VOC07 mAP >= 0.5."""
from conftest import TOY_CONFIG
from mmengine.config import Config
from mmengine.runner import Runner

from mnx_det.datasets import make_toy_voc
from mnx_det.engine import set_data_root


def test_ssdlite_mobilenext_learns_the_toy_set(tmp_path):
    data_root = make_toy_voc(tmp_path / 'toy')
    cfg = Config.fromfile(str(TOY_CONFIG))
    set_data_root(cfg, data_root)
    cfg.work_dir = str(tmp_path / 'work_dir')
    cfg.randomness = dict(seed=0)
    cfg.default_hooks.checkpoint.interval = cfg.train_cfg.max_iters
    # Workers that outlive the test would be shut down, slowly, by the
    # garbage collector during a later test.
    cfg.train_dataloader.persistent_workers = False
    cfg.val_dataloader.persistent_workers = False
    runner = Runner.from_cfg(cfg)
    runner.train()
    trained = runner.val()['pascal_voc/mAP']
    assert trained >= 0.5, f'mAP {trained:.3f} after training'
