# Protocol, ATSS family: rotated PAA with the rotated-ATSS (top-9) candidate pool.
# Against ./paa_maxiou.py only the pool changes.
_base_ = './paa_maxiou.py'
model = dict(
    train_cfg=dict(
        assigner=dict(
            initial_assigner=dict(
                _delete_=True,
                type='RotatedATSSAssigner',
                topk=9,
                iou_calculator=dict(type='SparseRBboxOverlaps2D')))))
