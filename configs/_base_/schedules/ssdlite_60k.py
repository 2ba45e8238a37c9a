# The official SSDLite schedule: 240k iterations at batch 24 on one GPU,
# i.e. 60k at the paper's 4 GPUs x 24 = 96 images, SGD with lr 1e-3 per GPU,
# 500 warm-up iterations, lr x0.1 at 2/3 and 5/6 of training.
# With fewer GPUs, `tools/train.py --auto-scale-lr` scales the lr linearly
# from the batch of 96; the iteration count stays, so training sees fewer
# images.
max_iters = 60000
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=5000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=4e-3, momentum=0.9, weight_decay=5e-4))

param_scheduler = [
    dict(
        type='LinearLR', start_factor=1 / 3, by_epoch=False, begin=0, end=500),
    dict(
        type='MultiStepLR',
        by_epoch=False,
        begin=0,
        end=max_iters,
        milestones=[40000, 50000],
        gamma=0.1)
]

auto_scale_lr = dict(enable=False, base_batch_size=96)
