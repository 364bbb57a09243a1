/**
 * The conformance builder of `gradcache_dogo` (vectors/gradcache/, made by tools/vectors/make_vectors.py with gradcache_twin.py):
 * a DoGo step of tiny members whose batch norm sees one chunk at a time, written as one graph. A GradCache step
 * (chunk forward without gradients, the loss on the whole batch, chunk forward-backward seeded with d loss /
 * d projections) computes exactly the gradient of this function, so the PyTorch twin's accumulated gradients
 * are this graph's gradients. Each member: encoder Conv2d(1, C, 3, padding 1, no bias), BatchNorm2d, ReLU,
 * global average pooling; head Linear(C, H, no bias), BatchNorm1d, ReLU, Linear(H, D); inputs named
 * `<member>.encoder.0.weight`, ..., `<member>.view0`, `<member>.view1`. The split step itself is held to the same
 * vectors by the cohort tests (packages/cli/src/train/chunked_step.test.ts).
 */
import { ops } from '../graph/builder.js';
import type { Node } from '../graph/node.js';
import { batchNorm, globalAvgPool, linear } from '../composite/nn.js';
import { dogoKl, ntXent, type KlReduction } from '../composite/losses.js';
import type { CaseBuilder } from './builders.js';

export const gradCacheDogoCase: CaseBuilder = (x, a) => {
  const members = a['members'] as string[];
  const lambdas = a['lambda'] as number[];
  const chunk = a['chunk'] as number;
  const bn = { training: true, momentum: (a['momentum'] as number | undefined) ?? 0.1, eps: (a['eps'] as number | undefined) ?? 1e-5 };
  const outputs: Record<string, Node> = {};
  const z = members.map((name) => {
    const p = (k: string) => x[`${name}.${k}`]!;
    const views = [p('view0'), p('view1')];
    const n = views[0]!.shape[0]!;
    const running: Record<string, Node> = {};
    for (const part of ['encoder', 'head']) for (const s of ['running_mean', 'running_var']) running[`${part}.1.${s}`] = p(`${part}.1.${s}`);
    const norm = (part: string, v: Node) => {
      const r = batchNorm(v, p(`${part}.1.weight`), p(`${part}.1.bias`), running[`${part}.1.running_mean`]!, running[`${part}.1.running_var`]!, bn);
      running[`${part}.1.running_mean`] = r.runningMean;
      running[`${part}.1.running_var`] = r.runningVar;
      return r.y;
    };
    const chunks: Node[] = [];
    for (let i = 0; i < n / chunk; i++) {
      const rows = (v: Node) => ops.slice(v, [i * chunk, 0, 0, 0], [chunk, ...v.shape.slice(1)]);
      const h = globalAvgPool(ops.relu(norm('encoder', ops.conv2d(ops.concat(views.map(rows), 0), p('encoder.0.weight'), { padding: [1, 1] }))));
      chunks.push(linear(ops.relu(norm('head', linear(h, p('head.0.weight')))), p('head.3.weight'), p('head.3.bias')));
    }
    for (const [k, v] of Object.entries(running)) outputs[`new:${name}.${k}`] = v;
    const half = (first: boolean) => ops.concat(chunks.map((c) => ops.slice(c, [first ? 0 : chunk, 0], [chunk, c.shape[1]!])), 0);
    return { a: half(true), b: half(false) };
  });
  let total: Node | undefined;
  members.forEach((name, k) => {
    const ssl = ntXent(z[k]!.a, z[k]!.b, a['temperature'] as number);
    const terms = z.flatMap((peer, j) => (j === k ? [] : [dogoKl(z[k]!.a, z[k]!.b, peer.a, peer.b, a['kd_temperature'] as number, a['reduction'] as KlReduction)]));
    const kd = ops.mul(terms.reduce((p, q) => ops.add(p, q)), 1 / terms.length);
    const loss = ops.add(ssl, ops.mul(kd, lambdas[k]!));
    Object.assign(outputs, { [`${name}/ssl`]: ssl, [`${name}/kd`]: kd, [`${name}/loss`]: loss });
    total = total ? ops.add(total, loss) : loss;
  });
  outputs['total'] = total!;
  return outputs;
};
