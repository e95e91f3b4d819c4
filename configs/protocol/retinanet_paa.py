# Protocol, RetinaNet family (assignment table): rotated PAA on the same RetinaNet.
# Against ./retinanet_maxiou.py:
#   - the assigner: PAAAssigner as released (max-IoU 0.1 candidate pool, top 9 per level by
#     focal + (1 - IoU) score, two-component GMM per GT);
#   - the head, because PAA is an assigner *and* a head: RotatedPAAHead adds the IoU-prediction
#     branch (a 3x3 conv on the regression tower, BCE weight 0.5), fused with the class score at
#     test time as sqrt(cls * iou), and weights each positive's box loss by its IoU target
#     (normalised by the weights' sum). To keep everything else RetinaNet's, its towers are the
#     RetinaNet ones (2 convs of 64 channels, no GroupNorm: norm_cfg=None) and the box loss stays
#     the protocol's smooth L1 on the tan coder's deltas (reg_decoded_bbox=False). What remains
#     different from RetinaHead besides the IoU branch: a learnable per-level scale on the
#     regression output (ATSSHead's), initialised to 1.
_base_ = './retinanet_maxiou.py'
model = dict(
    bbox_head=dict(
        type='RotatedPAAHead',
        norm_cfg=None,
        reg_decoded_bbox=False,
        box_weighting='iou',
        loss_centerness=dict(type='mmdet.CrossEntropyLoss', use_sigmoid=True, loss_weight=0.5)),
    # PAAAssigner's defaults are the released PAA: max-IoU 0.1 pool, top 9, lambda 1, official
    # fallback
    train_cfg=dict(assigner=dict(_delete_=True, type='PAAAssigner')),
    test_cfg=dict(score_voting=False))
