/**
 * The losses of one cohort member from every member's head outputs (../../../shared/DOGO.md): its own
 * self-supervised loss (NT-Xent, or SimSiam's negative cosine) plus lambda times the mean over peers of the
 * DoGo KL term, the peer's side behind stop_gradient. Used by the one-graph step, where the peers' outputs are
 * nodes of the same graph, and by the split step, where they are fed as constants.
 *
 * Distillation compares each model's last head outputs (SimCLR: projections; SimSiam: predictor outputs),
 * except between two SimSiam models, where each model's predictor outputs are distilled toward the peer's
 * projector outputs, both ways.
 */
import { dogoKl, ntXent, ops, simsiamLoss, type Node } from '@dogo/core';
import { DEFAULT_KD_TEMPERATURE, DEFAULT_TEMPERATURE, type CohortConfig } from './cohort_config.js';
import type { Halves } from './member_forward.js';

/** A member's head outputs split by view: projections, and SimSiam's predictor outputs. */
export interface MemberHeads { z: Halves; p?: Halves }

export interface MemberLoss { loss: Node; ssl: Node; kd?: Node }

/** Member k's loss from `heads` (one entry per member, k's own among them). */
export function memberLoss(cfg: CohortConfig, k: number, heads: readonly MemberHeads[]): MemberLoss {
  const own = heads[k]!;
  const ssl = own.p ? simsiamLoss(own.p.a, own.p.b, own.z.a, own.z.b) : ntXent(own.z.a, own.z.b, cfg.temperature ?? DEFAULT_TEMPERATURE);
  if (heads.length === 1) return { loss: ssl, ssl };
  const last = (i: number) => heads[i]!.p ?? heads[i]!.z;
  const terms = heads.flatMap((peer, j) => {
    if (j === k) return [];
    const [self, other] = own.p && peer.p ? [own.p, peer.z] : [last(k), last(j)];
    return [dogoKl(self.a, self.b, other.a, other.b, cfg.kdTemperature ?? DEFAULT_KD_TEMPERATURE, cfg.reduction ?? 'mean')];
  });
  const kd = ops.mul(terms.reduce((p, q) => ops.add(p, q)), 1 / terms.length);
  return { loss: ops.add(ssl, ops.mul(kd, cfg.members[k]!.lambda)), ssl, kd };
}
