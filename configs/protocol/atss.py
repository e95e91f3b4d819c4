# Protocol, ATSS family, baseline arm: rotated ATSS (upstream head, anchors, coder and top-9
# assigner: see ../baselines/rotated_atss_le90_cpu_small.py). Against that baseline the protocol's
# data, metric and schedule change (the same as in ./retinanet_maxiou.py):
# data/synthetic_dota_protocol (200 train, 200 val images), all-point AP, validation at every
# quarter, 1200 AdamW iterations (warm-up 100, cosine), batch 4. The box loss is GDLoss (KLD,
# log1p, tau 1, weight 2.0) on every arm of this family: the stored 3-seed runs
# (docs/protocol/paa) were made with it, before RotatedIoULoss ran on CPU; it stays so that
# they match their configs.
_base_ = '../baselines/rotated_atss_le90_cpu_small.py'
data_root = 'data/synthetic_dota_protocol/'
max_iters = 1200
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
model = dict(bbox_head=dict(
    loss_bbox=dict(
        _delete_=True, type='GDLoss', loss_type='kld', fun='log1p', tau=1.0, loss_weight=2.0)))
val_evaluator = dict(eval_mode='area')
test_evaluator = val_evaluator
train_cfg = dict(max_iters=max_iters, val_interval=max_iters // 4)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=100),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=100, end=max_iters, eta_min_ratio=0.05)
]
default_hooks = dict(checkpoint=dict(interval=max_iters))
