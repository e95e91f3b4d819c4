# CPU-small sibling of s2anet_dal_dota.py: differs from ../baselines/s2anet_le135_cpu_small.py
# only in the refine head type, its losses and its assigner (lists are restated: config merging
# replaces lists whole).
_base_ = '../baselines/s2anet_le135_cpu_small.py'
angle_version = 'le135'
model = dict(
    bbox_head_refine=[
        dict(
            type='DALS2ARefineHead',
            num_classes=4,
            in_channels=64,
            stacked_convs=2,
            feat_channels=64,
            frm_cfg=dict(
                type='AlignConv', feat_channels=64, kernel_size=3, strides=[8, 16, 32, 64, 128]),
            anchor_generator=dict(
                type='PseudoRotatedAnchorGenerator', strides=[8, 16, 32, 64, 128]),
            bbox_coder=dict(
                type='DeltaXYWHTRBBoxCoder',
                angle_version=angle_version,
                norm_factor=1,
                edge_swap=False,
                proj_xy=True,
                target_means=(0.0, 0.0, 0.0, 0.0, 0.0),
                target_stds=(1.0, 1.0, 1.0, 1.0, 1.0)),
            loss_cls=dict(
                type='MatchingSensitiveFocalLoss',
                use_sigmoid=True,
                gamma=2.0,
                alpha=0.25,
                loss_weight=1.0),
            loss_bbox=dict(
                type='MatchingSensitiveBBoxLoss',
                loss_bbox=dict(type='mmdet.SmoothL1Loss', beta=0.11, loss_weight=1.0)))
    ],
    train_cfg=dict(refine=[
        dict(
            assigner=dict(
                type='DALAssigner',
                alpha=0.3,
                gamma=5.0,
                pos_iou_thr=0.6,
                neg_iou_thr=0.5,
                alpha_schedule=(0.1, 0.3),
                iou_calculator=dict(type='SparseRBboxOverlaps2D')),
            allowed_border=-1,
            pos_weight=-1,
            debug=False)
    ]))
