# CPU-small rotated PAA with the rotated-ATSS candidate pool.
_base_ = './rotated_retinanet_paa_cpu_small.py'
model = dict(
    train_cfg=dict(
        assigner=dict(
            initial_assigner=dict(
                _delete_=True,
                type='RotatedATSSAssigner',
                topk=9,
                iou_calculator=dict(type='SparseRBboxOverlaps2D')))))
