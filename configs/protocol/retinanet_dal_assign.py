# Protocol, RetinaNet family: DAL assignment with the baseline's plain losses (the paper's
# ablation without matching-sensitive losses). Against ./retinanet_maxiou.py only the head type
# (which feeds decoded predictions to the assigner) and the assigner change.
_base_ = './retinanet_maxiou.py'
model = dict(
    bbox_head=dict(type='DALRetinaHead'),
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
