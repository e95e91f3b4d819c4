# Protocol, RetinaNet family (assignment table): HAMBox's online high-quality anchor mining with
# its regression-aware focal loss. Against ./retinanet_maxiou.py:
#   - the head type: HAMBoxRetinaHead is RetinaHead (same layers, anchors, coder, inference) with
#     DAL's prediction-aware training step, which hands every anchor's decoded prediction to the
#     assigner and the assigner's per-positive weight to the loss;
#   - the assigner: IoU matching at 0.35 with each GT's best anchor forced, then GTs with fewer
#     than K=5 positives mined up to 5 from negative anchors whose regressed box has IoU >= 0.5,
#     unselected high-IoU negatives ignored;
#   - the classification loss: the same focal loss (gamma 2, alpha 0.25) with a mined anchor's
#     positive term multiplied by its regressed IoU (RegressionAwareFocalLoss). The box loss is
#     unchanged.
_base_ = './retinanet_maxiou.py'
model = dict(
    bbox_head=dict(
        type='HAMBoxRetinaHead',
        loss_cls=dict(
            _delete_=True,
            type='RegressionAwareFocalLoss',
            use_sigmoid=True,
            gamma=2.0,
            alpha=0.25,
            loss_weight=1.0)),
    train_cfg=dict(
        assigner=dict(
            _delete_=True,
            type='HAMBoxAssigner',
            pos_iou_thr=0.35,
            neg_iou_thr=0.35,
            comp_iou_thr=0.5,
            num_comp=5,
            ignore_unmatched_high_iou=True,
            comp_weight='iou')))
