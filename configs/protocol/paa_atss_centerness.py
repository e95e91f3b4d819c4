# Protocol ablation: ./paa_atss.py with ATSS's box-loss weights (rotated centerness) instead of the
# IoU target: the ATSS pool and box weighting, PAA's GMM separation and IoU branch.
_base_ = './paa_atss.py'
model = dict(bbox_head=dict(box_weighting='centerness'))
