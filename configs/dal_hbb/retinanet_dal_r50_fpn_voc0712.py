# DAL in mmdet's own RetinaNet with horizontal boxes (VOC0712), as the DAL paper's VOC2007 row
# (74.9 -> 76.1 mAP). Against mmdet's pascal_voc/retinanet_r50_fpn_1x_voc0712.py only the head
# type, the assigner and the losses change:
#   - DALRetinaHead: RetinaHead with DAL's prediction-aware training step (horizontal deltas coder
#     and anchors unchanged);
#   - DALAssigner: the matching degree of input and output IoU; with horizontal (x1, y1, x2, y2)
#     boxes the package's candidate-pair IoU module uses mmdet's bbox_overlaps (chosen from the
#     boxes, no option);
#   - the matching-sensitive focal and box losses (mmdet's L1 inside).
# Evaluation: mmdet's VOCMetric; set val_evaluator.eval_mode='area' to compare with DAL's numbers
# (all-point AP); mmdet's default is '11points'.
_base_ = 'mmdet::pascal_voc/retinanet_r50_fpn_1x_voc0712.py'
custom_imports = dict(imports=['mmrotate_dal'], allow_failed_imports=False)
model = dict(
    bbox_head=dict(
        type='DALRetinaHead',
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
            loss_bbox=dict(type='L1Loss', loss_weight=1.0))),
    train_cfg=dict(
        assigner=dict(
            _delete_=True,
            type='DALAssigner',
            alpha=0.3,
            gamma=5.0,
            pos_iou_thr=0.6,
            neg_iou_thr=0.5,
            alpha_schedule=(0.1, 0.3))))
