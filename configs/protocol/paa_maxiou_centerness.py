# Protocol ablation: ./paa_maxiou.py with ATSS's box-loss weights (the rotated centerness of each
# positive's anchor centre in its GT) instead of the IoU target.
_base_ = './paa_maxiou.py'
model = dict(bbox_head=dict(box_weighting='centerness'))
