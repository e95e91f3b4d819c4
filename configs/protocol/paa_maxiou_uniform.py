# Protocol ablation: ./paa_maxiou.py with uniform box-loss weights (every positive's box loss
# weighted 1, normalised by the positive count) instead of the IoU target.
_base_ = './paa_maxiou.py'
model = dict(bbox_head=dict(box_weighting='uniform'))
