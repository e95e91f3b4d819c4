# Protocol, RetinaNet family (assignment table): rotated ATSS assignment on the same RetinaNet.
# Against ./retinanet_maxiou.py:
#   - the assigner: RotatedATSSAssigner with mmdet's semantics, the top 9 anchors per FPN level by
#     centre distance over all anchors of the level (3 anchors share each location, so 9 = 3
#     locations x 3 shapes), IoU threshold mean + std of the candidates, centre inside the GT;
#   - the head type, only because the assigner needs the anchor count of every level:
#     LevelAwareRetinaHead is RetinaHead (same layers, anchors, coder, losses, inference) whose
#     targets pass num_level_priors to the assigner.
# ATSS's own head (GroupNorm towers, centerness branch) is not used: this arm compares assigners.
_base_ = './retinanet_maxiou.py'
model = dict(
    bbox_head=dict(type='LevelAwareRetinaHead'),
    train_cfg=dict(
        assigner=dict(
            _delete_=True,
            type='RotatedATSSAssigner',
            topk=9,
            iou_calculator=dict(type='SparseRBboxOverlaps2D'))))
