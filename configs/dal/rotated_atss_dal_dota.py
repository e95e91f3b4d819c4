# DAL on MMRotate's rotated ATSS (le90, R50, DOTA-v1.0 1x): ATSS's head (GN towers, centerness)
# with DAL assignment and the matching-sensitive classification loss instead of ATSS sampling.
# Regression keeps upstream's RotatedIoULoss (CUDA-only), weighted by DAL's w (see
# DALRotatedATSSHead). Everything else is ../baselines/rotated_atss_le90_r50_fpn_1x_dota.py.
_base_ = '../baselines/rotated_atss_le90_r50_fpn_1x_dota.py'
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
