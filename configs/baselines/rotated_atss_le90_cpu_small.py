# CPU-small rotated ATSS le90: upstream's RotatedATSSHead + RotatedATSSAssigner (topk 9) and
# upstream's box loss, RotatedIoULoss (linear, weight 2.0), on the CPU-small backbone/neck.
# mmcv's diff_iou_rotated_2d behind that loss sorts polygon vertices with a CUDA-only kernel;
# `import mmrotate_dal` (custom_imports) adds the same algorithm for CPU tensors
# (mmrotate_dal/models/losses/diff_iou_rotated_cpu.py), so the loss runs here unchanged.
_base_ = './rotated_retinanet_le90_cpu_small.py'
model = dict(
    bbox_head=dict(
        _delete_=True,
        type='RotatedATSSHead',
        num_classes=4,
        in_channels=64,
        stacked_convs=2,
        feat_channels=64,
        anchor_generator=dict(
            type='FakeRotatedAnchorGenerator',
            angle_version='le90',
            octave_base_scale=4,
            scales_per_octave=1,
            ratios=[1.0],
            strides=[8, 16, 32, 64, 128]),
        bbox_coder=dict(
            type='DeltaXYWHTRBBoxCoder',
            angle_version='le90',
            norm_factor=None,
            edge_swap=True,
            proj_xy=True,
            target_means=(.0, .0, .0, .0, .0),
            target_stds=(1.0, 1.0, 1.0, 1.0, 1.0)),
        loss_cls=dict(
            type='mmdet.FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25, loss_weight=1.0),
        loss_bbox=dict(type='RotatedIoULoss', mode='linear', loss_weight=2.0),
        loss_centerness=dict(type='mmdet.CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0)),
    train_cfg=dict(
        assigner=dict(
            _delete_=True,
            type='RotatedATSSAssigner',
            topk=9,
            iou_calculator=dict(type='SparseRBboxOverlaps2D'))))
