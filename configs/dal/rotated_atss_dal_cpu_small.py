# CPU-small sibling of rotated_atss_dal_dota.py: differs from
# ../baselines/rotated_atss_le90_cpu_small.py only in head type, assigner and classification loss
# (the box loss stays the baseline's, upstream's RotatedIoULoss).
_base_ = '../baselines/rotated_atss_le90_cpu_small.py'
model = dict(
    bbox_head=dict(
        type='DALRotatedATSSHead',
        loss_cls=dict(
            _delete_=True,
            type='MatchingSensitiveFocalLoss',
            use_sigmoid=True,
            gamma=2.0,
            alpha=0.25,
            loss_weight=1.0)),
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
