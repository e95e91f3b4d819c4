# Rotated PAA, max-IoU candidate pool ("RetinaNet-(maxiou)" of Xuyihaoby/rotate_detection), on
# MMRotate's rotated ATSS detector (le90, R50, 1 anchor per location, GN towers, DOTA-v1.0 1x).
# Against ../baselines/rotated_atss_le90_r50_fpn_1x_dota.py: the head (PAA's IoU-prediction branch
# replaces centerness, BCE weight 0.5; regression weighted by the IoU target), the box loss weight
# (PAA's 1.3, upstream's CUDA-only RotatedIoULoss kept) and the assigner.
_base_ = '../baselines/rotated_atss_le90_r50_fpn_1x_dota.py'
model = dict(
    bbox_head=dict(
        type='RotatedPAAHead',
        loss_bbox=dict(type='RotatedIoULoss', mode='linear', loss_weight=1.3),
        loss_centerness=dict(type='mmdet.CrossEntropyLoss', use_sigmoid=True, loss_weight=0.5)),
    train_cfg=dict(
        assigner=dict(
            _delete_=True,
            type='PAAAssigner',
            topk=9,
            score_lambda=1.0,
            fallback='official',
            initial_assigner=dict(
                type='SparseMaxIoUAssigner',  # = mmdet.MaxIoUAssigner, vectorised, sparse
                pos_iou_thr=0.1,
                neg_iou_thr=0.1,
                min_pos_iou=0,
                ignore_iof_thr=-1,
                iou_calculator=dict(type='SparseRBboxOverlaps2D')))),
    test_cfg=dict(score_voting=False))
