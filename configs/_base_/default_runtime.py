# Runtime shared by every mnx_det config (mmdet's default_runtime, plus the
# project's import so that MobileNeXt and the SSDLite parts are registered).
default_scope = 'mmdet'
custom_imports = dict(imports=['mnx_det'], allow_failed_imports=False)

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='CheckpointHook',
        by_epoch=False,
        interval=10000,
        max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='DetVisualizationHook'))

# Stop at the first NaN/inf loss or lr, before it reaches the weights
# (mnx_det.engine.NonFiniteLossHook; action='skip' skips the step instead).
# On SIGTERM finish the iteration, save a checkpoint and stop, so that
# --resume continues exactly there (mnx_det.engine.PreemptionHook; add
# 'SIGUSR1' to signals for Slurm's --signal).
custom_hooks = [
    dict(type='NonFiniteLossHook'),
    dict(type='PreemptionHook', signals=['SIGTERM'])
]

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # tools/train.py and tools/test.py switch to gloo where there is no GPU.
    dist_cfg=dict(backend='nccl'))

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(
    type='DetLocalVisualizer', vis_backends=vis_backends, name='visualizer')
log_processor = dict(type='LogProcessor', window_size=50, by_epoch=False)

# mmengine's default; a documented knob: --cfg-options randomness.seed=0
randomness = dict(seed=None)

log_level = 'INFO'
load_from = None
resume = False
