# CPU-small rotated PAA (max-IoU pool): differs from ../baselines/rotated_atss_le90_cpu_small.py
# only in the head type (IoU branch instead of centerness, BCE weight 0.5) and the assigner. The
# box loss is the baseline's, upstream's RotatedIoULoss.
_base_ = '../baselines/rotated_atss_le90_cpu_small.py'
model = dict(
    bbox_head=dict(
        type='RotatedPAAHead',
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
