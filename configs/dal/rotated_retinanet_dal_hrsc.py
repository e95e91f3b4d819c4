# DAL on MMRotate's HRSC2016 rotated RetinaNet (le90, 6x, random rotation). Against
# ../baselines/rotated_retinanet_le90_r50_fpn_rr_6x_hrsc.py only head type, assigner and losses
# change. (The DAL paper's 88.6 HRSC mAP used its own recipe: see README.md here.)
_base_ = '../baselines/rotated_retinanet_le90_r50_fpn_rr_6x_hrsc.py'
model = dict(
    bbox_head=dict(
        type='DALRetinaHead',
        loss_cls=dict(
            _delete_=True,
            type='MatchingSensitiveFocalLoss',
            use_sigmoid=True,
            gamma=2.0,
            alpha=0.25,
            loss_weight=1.0),
        loss_bbox=dict(
            _delete_=True,
            type='MatchingSensitiveBBoxLoss',
            loss_bbox=dict(type='mmdet.L1Loss', loss_weight=1.0))),
    train_cfg=dict(
        assigner=dict(
            _delete_=True,
            type='DALAssigner',
            alpha=0.3,
            gamma=5.0,
            pos_iou_thr=0.6,
            neg_iou_thr=0.5,
            alpha_schedule=(0.1, 0.3),
            iou_calculator=dict(type='SparseRBboxOverlaps2D'))))
