# CPU-small S2A-Net le135: the DOTA baseline's detector (FAM + ODM with AlignConv, max-IoU in both
# stages) on the CPU-small backbone/neck of rotated_retinanet_le90_cpu_small.py.
_base_ = './rotated_retinanet_le90_cpu_small.py'
angle_version = 'le135'
stage_coder = dict(
    type='DeltaXYWHTRBBoxCoder',
    angle_version=angle_version,
    norm_factor=1,
    edge_swap=False,
    proj_xy=True,
    target_means=(.0, .0, .0, .0, .0),
    target_stds=(1.0, 1.0, 1.0, 1.0, 1.0))
stage_losses = dict(
    loss_cls=dict(
        type='mmdet.FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25, loss_weight=1.0),
    loss_bbox=dict(type='mmdet.SmoothL1Loss', beta=0.11, loss_weight=1.0))
max_iou_stage = dict(
    assigner=dict(
        type='mmdet.MaxIoUAssigner',
        pos_iou_thr=0.5,
        neg_iou_thr=0.4,
        min_pos_iou=0,
        ignore_iof_thr=-1,
        iou_calculator=dict(type='SparseRBboxOverlaps2D')),
    allowed_border=-1,
    pos_weight=-1,
    debug=False)
model = dict(
    _delete_=True,
    type='RefineSingleStageDetector',
    data_preprocessor={{_base_.model.data_preprocessor}},
    backbone={{_base_.model.backbone}},
    neck={{_base_.model.neck}},
    bbox_head_init=dict(
        type='S2AHead',
        num_classes=4,
        in_channels=64,
        stacked_convs=2,
        feat_channels=64,
        anchor_generator=dict(
            type='FakeRotatedAnchorGenerator',
            angle_version=angle_version,
            scales=[4],
            ratios=[1.0],
            strides=[8, 16, 32, 64, 128]),
        bbox_coder=dict(stage_coder, use_box_type=False),
        **stage_losses),
    bbox_head_refine=[
        dict(
            type='S2ARefineHead',
            num_classes=4,
            in_channels=64,
            stacked_convs=2,
            feat_channels=64,
            frm_cfg=dict(
                type='AlignConv', feat_channels=64, kernel_size=3, strides=[8, 16, 32, 64, 128]),
            anchor_generator=dict(
                type='PseudoRotatedAnchorGenerator', strides=[8, 16, 32, 64, 128]),
            bbox_coder=stage_coder,
            **stage_losses)
    ],
    train_cfg=dict(init=max_iou_stage, refine=[max_iou_stage], stage_loss_weights=[1.0]),
    test_cfg={{_base_.model.test_cfg}})
