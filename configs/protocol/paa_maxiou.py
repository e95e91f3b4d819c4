# Protocol, ATSS family: rotated PAA as released (official choices), max-IoU 0.1 candidate pool.
# Against ./atss.py: the head (RotatedPAAHead: an IoU-prediction branch, BCE weight 0.5, instead
# of centerness, fused with the class score at test time) and the assigner. The head also switches
# the box-loss weighting from ATSS's centerness target to PAA's IoU target (box_weighting='iou'):
# this, not the assignment, is the largest single difference (see docs/results.md).
_base_ = './atss.py'
model = dict(
    bbox_head=dict(
        type='RotatedPAAHead',
        box_weighting='iou',
        loss_centerness=dict(type='mmdet.CrossEntropyLoss', use_sigmoid=True, loss_weight=0.5)),
    train_cfg=dict(
        assigner=dict(
            _delete_=True,
            type='PAAAssigner',
            topk=9,
            score_lambda=1.0,
            fallback='official',
            pool_center_in_gt=False,
            initial_assigner=dict(
                type='mmdet.MaxIoUAssigner',
                pos_iou_thr=0.1,
                neg_iou_thr=0.1,
                min_pos_iou=0,
                ignore_iof_thr=-1,
                iou_calculator=dict(type='SparseRBboxOverlaps2D')))),
    test_cfg=dict(score_voting=False))
