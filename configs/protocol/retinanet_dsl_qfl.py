# Protocol, RetinaNet family (assignment table): DSL with RTMDet's classification loss.
# Against ./retinanet_dsl.py the classification loss becomes the quality focal loss that RTMDet
# pairs with DSL: a positive's class entry is trained towards the IoU of its (detached) decoded
# prediction with its GT (DSL's soft label), every other entry towards 0 (beta 2). The head type
# changes only so that the soft label reaches the loss (DSLRetinaHead: the package's
# prediction-aware step, whose per-positive value goes to the loss; same layers). Normalised by
# the positive count like every arm's loss, not by the soft labels' sum as in RTMDet. The box loss
# stays the protocol's smooth L1 (RTMDet's IoU loss would change a second thing).
_base_ = './retinanet_dsl.py'
model = dict(
    bbox_head=dict(
        type='DSLRetinaHead',
        loss_cls=dict(
            _delete_=True, type='SoftLabelQualityFocalLoss', use_sigmoid=True, beta=2.0,
            loss_weight=1.0)))
