/**
 * One cohort member's forward pass on its two views, shared by the one-graph step (cohort_step.ts) and the
 * split step's executables (split_graphs.ts): the views (augmented on the device from the raw batch, or given),
 * both views through the encoder as one batch (batch-norm statistics over both), the head and, for SimSiam,
 * the predictor. Also the names of the per-sample augmentation feeds and the member's trainable parameters.
 */
import { ops, type Graph, type Node } from '@dogo/core';
import { ForwardContext } from '@dogo/nn';
import { augmentedView } from '../augment/views.js';
import type { ParamRole } from '../optim/optimizer.js';
import type { CohortConfig, CohortMember } from './cohort_config.js';

/** Names of the boxes feeds: boxesFeed(m, v) for model m's view v (shared views use model 0's). */
export function boxesFeed(model: number, view: number): string {
  return `boxes.${model}.${view}`;
}

/** Names of the colour-parameter feeds, beside the boxes (1- and 3-channel images; grayscale ones use brightness and contrast). */
export function colorFeed(model: number, view: number): string {
  return `color.${model}.${view}`;
}

/** The raw image batch's feed name. */
export const IMAGES_FEED = 'images';

/** Per member, the names of its two views' boxes and colour feeds (none for images of 2 or 4+ channels). */
export function viewFeedNames(cfg: CohortConfig): { boxes: string[][]; color: string[][] } {
  const c = cfg.imageShape[0];
  const boxes = cfg.members.map((_, mi) => [boxesFeed(cfg.sharedViews ? 0 : mi, 0), boxesFeed(cfg.sharedViews ? 0 : mi, 1)]);
  const color = cfg.members.map((_, mi) => (c === 1 || c === 3 ? [colorFeed(cfg.sharedViews ? 0 : mi, 0), colorFeed(cfg.sharedViews ? 0 : mi, 1)] : []));
  return { boxes, color };
}

/** Builds member `mi`'s two views of `rows` images in `g`: its inputs are feeds with one row per image. */
export type ViewBuilder = (g: Graph, mi: number, rows: number) => [Node, Node];

/** The default views: member mi's crop boxes and colour parameters applied to the raw batch `images`, normalised. */
export function augmentedViews(cfg: CohortConfig): ViewBuilder {
  const names = viewFeedNames(cfg);
  return (g, mi, rows) => {
    const [c, h, w] = cfg.imageShape;
    const raw = g.inputs.get(IMAGES_FEED) ?? g.input(IMAGES_FEED, [rows, c, h, w]);
    const leaf = (name: string, cols: number) => g.inputs.get(name) ?? g.input(name, [rows, cols]);
    const [v0, v1] = names.boxes[mi]!.map((b, v) => augmentedView(raw, leaf(b, 5), cfg.normalization, names.color[mi]![v] ? leaf(names.color[mi]![v]!, 6) : undefined));
    return [v0!, v1!];
  };
}

/** Rows 0..n-1 (view 1) and n..2n-1 (view 2) of a member's outputs. */
export interface Halves { a: Node; b: Node }

export function halves(x: Node): Halves {
  const n = x.shape[0]! / 2;
  return { a: ops.slice(x, [0, 0], [n, x.shape[1]!]), b: ops.slice(x, [n, 0], [n, x.shape[1]!]) };
}

export interface MemberForward {
  /** Projections: view 1's rows, then view 2's, [2n, D]. */
  proj: Node;
  /** SimSiam members: predictor outputs, [2n, D]. */
  pred?: Node;
  /** Contexts of the encoder, head (and predictor): their parameters and batch-norm running-statistic updates. */
  contexts: ForwardContext[];
}

/** Whether a member trains with SimSiam's objective (projector, predictor, negative cosine). */
export function isSimSiam(m: CohortMember): boolean {
  return (m.objective ?? 'simclr') === 'simsiam';
}

/** Member `m`'s forward pass on its two views, as one batch of 2n, in training mode, nodes labelled `m.name`. */
export function memberForward(g: Graph, m: CohortMember, views: readonly [Node, Node]): MemberForward {
  const enc = new ForwardContext(g, { training: true, prefix: `${m.name}.encoder.` });
  const head = new ForwardContext(g, { training: true, prefix: `${m.name}.head.` });
  const proj = g.scope(m.name, () => m.head.forward(head, m.encoder.forward(enc, ops.concat([...views], 0))));
  if (!isSimSiam(m)) return { proj, contexts: [enc, head] };
  if (!m.predictor) throw new RangeError(`cohort: SimSiam member "${m.name}" needs a predictor`);
  const pc = new ForwardContext(g, { training: true, prefix: `${m.name}.predictor.` });
  return { proj, pred: g.scope(m.name, () => m.predictor!.forward(pc, proj)), contexts: [enc, head, pc] };
}

function roleOf(kind: string): ParamRole {
  return kind === 'bias' || kind === 'bn_weight' || kind === 'bn_bias' ? (kind as ParamRole) : 'weight';
}

/** The member's trainable parameters: full state name and optimiser role, in module order. */
export function memberParams(m: CohortMember): { name: string; role: ParamRole }[] {
  const parts: [string, CohortMember['encoder']][] = [['encoder', m.encoder], ['head', m.head]];
  if (isSimSiam(m) && m.predictor) parts.push(['predictor', m.predictor]);
  const out: { name: string; role: ParamRole }[] = [];
  for (const [part, mod] of parts) {
    for (const [local, spec] of mod.namedParameters()) if (spec.trainable) out.push({ name: `${m.name}.${part}.${local}`, role: roleOf(spec.kind) });
  }
  return out;
}
