# Protocol, RetinaNet family: DAL assignment + matching-sensitive losses (the full method).
# Against ./retinanet_dal_assign.py only the losses change: the same focal loss and smooth L1,
# with each positive weighted by DAL's compensation factor w.
_base_ = './retinanet_dal_assign.py'
model = dict(
    bbox_head=dict(
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
            loss_bbox=dict(type='mmdet.SmoothL1Loss', beta=1.0 / 9.0, loss_weight=0.2))))
