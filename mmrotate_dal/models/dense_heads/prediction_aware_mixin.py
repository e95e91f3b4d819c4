"""Feeding each anchor's current prediction to the assigner, for any mmdet 3.x anchor head.

mmdet's ``AnchorHead._get_targets_single`` gives the assigner only ``InstanceData(priors=anchors)``.
Assigners that look at predictions (DAL's output IoU, PAA's anchor scores) also need the decoded
boxes and the logits of the same anchors. This mixin is the one place that does it for every head of
the package: it decodes all predictions (detached), hands them to the assigner as
``pred_instances.bboxes`` / ``.scores``, and returns per-anchor values the assigner attaches to its
``AssignResult`` (named in ``assign_result_keys``) as extra targets, split into levels like the
standard ones (mmdet's TOOD/RTMDet heads use the same pattern).
"""
from typing import List, Optional, Sequence, Tuple

import torch
from mmdet.models.task_modules.prior_generators import anchor_inside_flags
from mmdet.models.utils import images_to_levels, multi_apply, unmap
from mmdet.structures.bbox import cat_boxes, get_box_tensor
from mmdet.utils import InstanceList, OptInstanceList
from mmengine.structures import InstanceData
from torch import Tensor

from ..task_modules.assign_call import assign_with_levels
from ..utils import drop_invalid_gts


class PredictionAwareTargetsMixin:
    """Mixin for ``AnchorHead`` subclasses whose assigner needs the current predictions.

    Attributes:
        assign_result_keys (tuple[str]): extra properties read from each ``AssignResult`` and
            returned by :meth:`get_targets` after the standard targets, one (N_level,) tensor per
            image and level (0 where the assigner did not set a value).
    """

    assign_result_keys: Tuple[str, ...] = ()

    def flatten_predictions(self, preds: Sequence[Tensor], dim: int) -> List[Tensor]:
        """Per-level (B, A*dim, H, W) maps -> per-image (N, dim) rows in anchor order.

        Args:
            preds (list[Tensor]): one map per level.
            dim (int): values per anchor (box encoding size, or number of classes).

        Returns:
            list[Tensor]: B tensors of shape (sum_l H_l*W_l*A, dim).
        """
        num_imgs = preds[0].size(0)
        flat = torch.cat([p.permute(0, 2, 3, 1).reshape(num_imgs, -1, dim) for p in preds], dim=1)
        return list(flat.unbind(0))

    def decode_predictions(self, anchor_list: List[List], bbox_preds: Sequence[Tensor]) -> List[Tensor]:
        """Decode every anchor's regression output, detached, for the assigner.

        Args:
            anchor_list (list[list[Tensor | RotatedBoxes]]): anchors per image and level.
            bbox_preds (list[Tensor]): (B, A*encode_size, H, W) per level.

        Returns:
            list[Tensor]: per image, (N, box_dim) decoded boxes (plain tensors, no gradient).
        """
        deltas = self.flatten_predictions([p.detach() for p in bbox_preds],
                                          self.bbox_coder.encode_size)
        return [get_box_tensor(self.bbox_coder.decode(cat_boxes(anchors), d))
                for anchors, d in zip(anchor_list, deltas)]

    def get_targets(self,
                    anchor_list: List[List],
                    valid_flag_list: List[List[Tensor]],
                    batch_gt_instances: InstanceList,
                    batch_img_metas: List[dict],
                    batch_gt_instances_ignore: OptInstanceList = None,
                    unmap_outputs: bool = True,
                    return_sampling_results: bool = False,
                    pred_bboxes_list: Optional[List[Tensor]] = None,
                    cls_scores_list: Optional[List[Tensor]] = None) -> tuple:
        """``AnchorHead.get_targets`` that also passes per-image predictions to the assigner.

        Args:
            anchor_list, valid_flag_list, batch_gt_instances, batch_img_metas,
            batch_gt_instances_ignore, unmap_outputs, return_sampling_results: as in
                ``AnchorHead.get_targets``.
            pred_bboxes_list (list[Tensor], optional): per image (N, 5) decoded predictions of all
                anchors (:meth:`decode_predictions`).
            cls_scores_list (list[Tensor], optional): per image (N, C) classification logits.

        Returns:
            tuple: ``(labels, label_weights, bbox_targets, bbox_weights, avg_factor)`` per level as
            in mmdet, then the sampling results if requested, then one per-level list for each key
            of ``assign_result_keys``.
        """
        num_imgs = len(batch_img_metas)
        if batch_gt_instances_ignore is None:
            batch_gt_instances_ignore = [None] * num_imgs
        none = [None] * num_imgs
        num_level_anchors = [anchors.size(0) for anchors in anchor_list[0]]
        results = multi_apply(
            self._get_targets_single,
            [cat_boxes(anchors) for anchors in anchor_list],
            [torch.cat(flags) for flags in valid_flag_list],
            batch_gt_instances,
            batch_img_metas,
            batch_gt_instances_ignore,
            none if pred_bboxes_list is None else pred_bboxes_list,
            none if cls_scores_list is None else cls_scores_list,
            [num_level_anchors] * num_imgs,
            unmap_outputs=unmap_outputs)
        (labels, label_weights, bbox_targets, bbox_weights, _, _, sampling_results) = results[:7]
        avg_factor = sum(result.avg_factor for result in sampling_results)
        self._raw_positive_infos.update(sampling_results=sampling_results)
        res = tuple(images_to_levels(t, num_level_anchors)
                    for t in (labels, label_weights, bbox_targets, bbox_weights)) + (avg_factor, )
        if return_sampling_results:
            res = res + (sampling_results, )
        return res + tuple(images_to_levels(extra, num_level_anchors) for extra in results[7:])

    def _get_targets_single(self,
                            flat_anchors,
                            valid_flags: Tensor,
                            gt_instances: InstanceData,
                            img_meta: dict,
                            gt_instances_ignore: Optional[InstanceData] = None,
                            flat_pred_bboxes: Optional[Tensor] = None,
                            flat_cls_scores: Optional[Tensor] = None,
                            num_level_anchors: Optional[List[int]] = None,
                            unmap_outputs: bool = True) -> tuple:
        """Targets of one image; the assigner sees priors, predicted boxes and logits.

        GTs with non-finite coordinates or non-positive width/height are dropped first, with one
        warning that counts them (:func:`drop_invalid_gts`).

        Args:
            flat_anchors (Tensor | RotatedBoxes): (N, 5) anchors of all levels.
            valid_flags (Tensor): (N,) bool.
            gt_instances (InstanceData): ``bboxes`` and ``labels``.
            img_meta (dict): image meta information.
            gt_instances_ignore (InstanceData, optional): boxes to ignore.
            flat_pred_bboxes (Tensor, optional): (N, 5) decoded predictions.
            flat_cls_scores (Tensor, optional): (N, C) logits.
            num_level_anchors (list[int], optional): anchors per level (before the inside filter).
            unmap_outputs (bool): map outputs back to all N anchors.

        Returns:
            tuple: labels (N,), label_weights (N,), bbox_targets (N, D), bbox_weights (N, D),
            pos_inds, neg_inds, sampling_result, then one (N,) tensor per ``assign_result_keys``.
        """
        gt_instances, _ = drop_invalid_gts(gt_instances)
        inside_flags = anchor_inside_flags(flat_anchors, valid_flags, img_meta['img_shape'][:2],
                                           self.train_cfg['allowed_border'])
        if not inside_flags.any():
            raise ValueError('There is no valid anchor inside the image boundary. Check the image '
                             'and anchor sizes, or set allowed_border=-1.')
        anchors = flat_anchors[inside_flags]
        pred_instances = InstanceData(priors=anchors)
        if flat_pred_bboxes is not None:
            pred_instances.bboxes = flat_pred_bboxes[inside_flags]
        if flat_cls_scores is not None:
            pred_instances.scores = flat_cls_scores[inside_flags]
        num_level_inside = None
        if num_level_anchors is not None:
            num_level_inside = [int(f.sum()) for f in inside_flags.split(num_level_anchors)]
        assign_result = assign_with_levels(self.assigner, pred_instances, gt_instances,
                                           gt_instances_ignore, num_level_inside)
        sampling_result = self.sampler.sample(assign_result, pred_instances, gt_instances)

        num_valid = anchors.shape[0]
        target_dim = (gt_instances.bboxes.size(-1)
                      if self.reg_decoded_bbox else self.bbox_coder.encode_size)
        bbox_targets = anchors.new_zeros(num_valid, target_dim)
        bbox_weights = anchors.new_zeros(num_valid, target_dim)
        labels = anchors.new_full((num_valid, ), self.num_classes, dtype=torch.long)
        label_weights = anchors.new_zeros(num_valid, dtype=torch.float)
        pos_inds, neg_inds = sampling_result.pos_inds, sampling_result.neg_inds
        if len(pos_inds) > 0:
            if self.reg_decoded_bbox:
                pos_bbox_targets = get_box_tensor(sampling_result.pos_gt_bboxes)
            else:
                pos_bbox_targets = self.bbox_coder.encode(sampling_result.pos_priors,
                                                          sampling_result.pos_gt_bboxes)
            bbox_targets[pos_inds, :] = pos_bbox_targets
            bbox_weights[pos_inds, :] = 1.0
            labels[pos_inds] = sampling_result.pos_gt_labels
            pos_weight = self.train_cfg['pos_weight']
            label_weights[pos_inds] = 1.0 if pos_weight <= 0 else pos_weight
        if len(neg_inds) > 0:
            label_weights[neg_inds] = 1.0
        extras = []
        for key in self.assign_result_keys:
            value = assign_result.get_extra_property(key)
            if value is None:
                raise KeyError(f'{type(self).__name__} needs the assigner to provide {key!r}; '
                               f'{type(self.assigner).__name__} does not')
            extras.append(value.to(label_weights.dtype))

        if unmap_outputs:
            num_total = flat_anchors.size(0)
            labels = unmap(labels, num_total, inside_flags, fill=self.num_classes)
            label_weights = unmap(label_weights, num_total, inside_flags)
            bbox_targets = unmap(bbox_targets, num_total, inside_flags)
            bbox_weights = unmap(bbox_weights, num_total, inside_flags)
            extras = [unmap(extra, num_total, inside_flags) for extra in extras]
        return (labels, label_weights, bbox_targets, bbox_weights, pos_inds, neg_inds,
                sampling_result, *extras)
