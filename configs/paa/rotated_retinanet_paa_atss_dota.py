# Rotated PAA with the rotated-ATSS candidate pool ("RetinaNet-(ATSS)"): only the initial assigner
# differs from rotated_retinanet_paa_dota.py.
_base_ = './rotated_retinanet_paa_dota.py'
model = dict(
    train_cfg=dict(
        assigner=dict(
            initial_assigner=dict(
                _delete_=True,
                type='RotatedATSSAssigner',
                topk=9,
                iou_calculator=dict(type='SparseRBboxOverlaps2D')))))
