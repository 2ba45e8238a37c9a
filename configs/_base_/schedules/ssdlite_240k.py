# The official SSDLite schedule, as its config states it: the recipe for
# one process of 24 images. SGD lr 1e-3, 240k iterations, lr x0.1 at 160k
# and 200k, and the paper's launch warm-up (1000 iterations from 0.1333).
# With N processes (tools/dist_train.sh, slurm) `schedule_scaling` divides
# iterations, lr steps and the validation and checkpoint intervals by N and
# multiplies the lr by N, as the official launcher does, so every run sees
# the same 5.76M images at the same lr per image (mnx_det.engine).
# Checkpoints every 10k iterations (default_runtime.py), validation every
# 40k: 2.5k and 10k on the paper's 4 GPUs, as in its launch script.
max_iters = 240000
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=40000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=1e-3, momentum=0.9, weight_decay=5e-4))

# mmengine's LinearLR reaches its end factor at iteration end - 1; the
# official warm-up reaches 1 at iteration 1000, hence end=1001.
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.1333,
        by_epoch=False,
        begin=0,
        end=1001),
    dict(
        type='MultiStepLR',
        by_epoch=False,
        begin=0,
        end=max_iters,
        milestones=[160000, 200000],
        gamma=0.1)
]

# The official rule for N processes; off, `--auto-scale-lr` gives mmdet's
# linear lr scaling from base_batch_size instead.
schedule_scaling = dict(enable=True)
auto_scale_lr = dict(enable=False, base_batch_size=24)
