// The DoGo training step written with @tensorflow/tfjs-core, for comparison with ours in run.mjs.
// Same work as packages/ssl's cohort step: per model two random-resized-crop views (with horizontal flip)
// of the batch, both views through the encoder as one batch of 2N (batch norm in training mode, statistics
// over both views, running statistics updated), projection head, NT-Xent per model (masked log-softmax, as
// ours), the DoGo KL term toward each peer with the peer's side held constant, and one Adam update per model
// (L2 weight decay added to the gradient, as torch.optim.Adam). Layout is NHWC (tfjs' native one).
//
// tfjs-backend-wasm registers no Conv2DBackpropFilter kernel, so on a backend without it every convolution
// is a tf.customGrad whose weight gradient is composed from tfjs' own ops (one transpose of the input, then
// per kernel tap a slice and a matMul); the input gradient is tfjs' Conv2DBackpropInput kernel, as tf.grad
// uses it. tfjs has no stopGradient: the peer's similarity logits pass through a customGrad identity whose
// gradient is zero, which costs one N x N x D matmul backward per term (negligible at these sizes).

/** Creates the step for `spec` (the shape of @dogo/cli's DOGO_STEP_REFERENCE) on tfjs' current backend. */
export function createTfjsDogoStep(tf, spec, { seed = 1 } = {}) {
  const [C, H, W] = spec.imageShape;
  const N = spec.batchSize;
  const rand = mulberry32(seed);
  const hasFilterGrad = tf.getKernel('Conv2DBackpropFilter', tf.getBackend()) !== undefined;
  const convVariants = new Map();
  let uid = 0;

  // ---- parameters -------------------------------------------------------------------------------------
  const trainable = (v, name) => tf.variable(v, true, `${name}_${uid++}`);
  const buffer = (v, name) => tf.variable(v, false, `${name}_${uid++}`);
  function convParam(cin, cout, k) {
    const std = Math.sqrt(2 / (cout * k * k)); // kaiming_normal_, fan_out, relu
    return { w: trainable(tf.randomNormal([k, k, cin, cout], 0, std, 'float32', rand() * 1e9 | 0), 'conv'), k, cin, cout };
  }
  function bnParam(c) {
    return { gamma: trainable(tf.ones([c]), 'bn_w'), beta: trainable(tf.zeros([c]), 'bn_b'), mean: buffer(tf.zeros([c]), 'bn_rm'), variance: buffer(tf.ones([c]), 'bn_rv') };
  }
  function linearParam(cin, cout, bias) {
    const b = 1 / Math.sqrt(cin);
    return {
      w: trainable(tf.randomUniform([cin, cout], -b, b, 'float32', rand() * 1e9 | 0), 'fc_w'),
      b: bias ? trainable(tf.randomUniform([cout], -b, b, 'float32', rand() * 1e9 | 0), 'fc_b') : undefined,
    };
  }
  function buildModel(m) {
    const widths = m.stageChannels;
    const stem = { conv: convParam(C, widths[0], 3), bn: bnParam(widths[0]) };
    const blocks = [];
    let inPlanes = widths[0];
    widths.forEach((planes, si) => {
      for (let b = 0; b < m.blocksPerStage; b++) {
        const stride = b === 0 && si > 0 ? 2 : 1;
        blocks.push({
          stride,
          conv1: convParam(inPlanes, planes, 3), bn1: bnParam(planes),
          conv2: convParam(planes, planes, 3), bn2: bnParam(planes),
          down: stride !== 1 || inPlanes !== planes ? { conv: convParam(inPlanes, planes, 1), bn: bnParam(planes) } : undefined,
        });
        inPlanes = planes;
      }
    });
    const head = { fc1: linearParam(inPlanes, spec.headHidden, false), bn: bnParam(spec.headHidden), fc2: linearParam(spec.headHidden, spec.headOut, true) };
    return { name: m.name, lambda: m.lambda, stem, blocks, head, vars: [], optimizer: tf.train.adam(spec.optimizer.lr, spec.optimizer.beta1 ?? 0.9, spec.optimizer.beta2 ?? 0.999, spec.optimizer.eps ?? 1e-8) };
  }
  const models = spec.models.map(buildModel);
  for (const m of models) {
    const collect = (o) => {
      for (const v of Object.values(o)) {
        if (v instanceof tf.Variable) { if (v.trainable) m.vars.push(v); } else if (v && typeof v === 'object') collect(v);
      }
    };
    collect({ stem: m.stem, blocks: m.blocks, head: m.head });
  }

  // ---- layers ------------------------------------------------------------------------------------------
  function convOp(stride, pad, needInputGrad) {
    const key = `${stride}/${pad}/${needInputGrad}`;
    if (!convVariants.has(key)) {
      convVariants.set(key, tf.customGrad((x, w, save) => {
        save([x, w]);
        return {
          value: tf.conv2d(x, w, stride, pad),
          gradFunc: (dy, [xs, ws]) => [
            needInputGrad ? tf.conv2dTranspose(dy, ws, xs.shape, stride, pad) : tf.zerosLike(xs),
            conv2dFilterGrad(tf, xs, dy, ws.shape[0], stride, pad),
          ],
        };
      }));
    }
    return convVariants.get(key);
  }
  /** `first`: the input is the image batch (no gradient needed, as our graph's dead-node elimination drops it). */
  function conv(x, p, stride, first = false) {
    const pad = (p.k - 1) / 2;
    return hasFilterGrad ? tf.conv2d(x, p.w, stride, pad) : convOp(stride, pad, !first)(x, p.w);
  }
  function batchNorm(x, p, axes, stats) {
    const { mean, variance } = tf.moments(x, axes);
    stats.push({ p, mean: tf.keep(mean), variance: tf.keep(variance), count: axes.reduce((a, i) => a * x.shape[i], 1) });
    return tf.batchNorm(x, mean, variance, p.beta, p.gamma, 1e-5);
  }
  function encoder(m, x, stats) {
    let y = tf.relu(batchNorm(conv(x, m.stem.conv, 1, true), m.stem.bn, [0, 1, 2], stats));
    for (const b of m.blocks) {
      let r = tf.relu(batchNorm(conv(y, b.conv1, b.stride), b.bn1, [0, 1, 2], stats));
      r = batchNorm(conv(r, b.conv2, 1), b.bn2, [0, 1, 2], stats);
      const s = b.down ? batchNorm(conv(y, b.down.conv, b.stride), b.down.bn, [0, 1, 2], stats) : y;
      y = tf.relu(tf.add(r, s));
    }
    return tf.mean(y, [1, 2]); // global average pool -> [2N, features]
  }
  function head(m, f, stats) {
    const h = tf.relu(batchNorm(tf.matMul(f, m.head.fc1.w), m.head.bn, [0], stats));
    return tf.add(tf.matMul(h, m.head.fc2.w), m.head.fc2.b);
  }

  // ---- losses ------------------------------------------------------------------------------------------
  const stopGradient = tf.customGrad((x) => ({ value: tf.clone(x), gradFunc: (dy) => tf.zerosLike(dy) }));
  const l2Normalize = (z) => tf.mul(z, tf.rsqrt(tf.add(tf.sum(tf.square(z), 1, true), 1e-12)));
  const M = 2 * N;
  const diagMask = tf.tidy(() => tf.mul(tf.eye(M), -1e9));
  const posMask = tf.tidy(() => tf.concat([tf.concat([tf.zeros([N, N]), tf.eye(N)], 1), tf.concat([tf.eye(N), tf.zeros([N, N])], 1)], 0));
  const tau = spec.temperature, tauKd = spec.kdTemperature;
  const klDivisor = spec.reduction === 'batchmean' ? N : N * N;
  function ntXent(z1, z2) {
    const z = l2Normalize(tf.concat([z1, z2], 0));
    const logp = tf.logSoftmax(tf.add(tf.mul(tf.matMul(z, z, false, true), 1 / tau), diagMask));
    return tf.mul(tf.sum(tf.mul(logp, posMask)), -1 / M);
  }
  const simLogits = (z1, z2) => tf.mul(tf.matMul(l2Normalize(z1), l2Normalize(z2), false, true), 1 / tauKd);

  // ---- augmentation (host-side parameters, as ours: torchvision's RandomResizedCrop + flip) -------------
  const scale = spec.crop?.scale ?? [0.08, 1], ratio = spec.crop?.ratio ?? [3 / 4, 4 / 3], flipP = spec.crop?.flip ?? 0.5;
  function cropBoxes() {
    const boxes = new Float32Array(N * 4);
    for (let i = 0; i < N; i++) {
      let top = 0, left = 0, h = H, w = W;
      for (let a = 0; a < 10; a++) {
        const target = H * W * (scale[0] + (scale[1] - scale[0]) * rand());
        const aspect = Math.exp(Math.log(ratio[0]) + (Math.log(ratio[1]) - Math.log(ratio[0])) * rand());
        const cw = Math.round(Math.sqrt(target * aspect)), ch = Math.round(Math.sqrt(target / aspect));
        if (cw > 0 && cw <= W && ch > 0 && ch <= H) { top = Math.floor(rand() * (H - ch + 1)); left = Math.floor(rand() * (W - cw + 1)); h = ch; w = cw; break; }
      }
      // cropAndResize: normalised corners; x1 > x2 samples the crop mirrored (the horizontal flip)
      let x1 = left / (W - 1), x2 = (left + w - 1) / (W - 1);
      if (rand() < flipP) [x1, x2] = [x2, x1];
      boxes.set([top / (H - 1), x1, (top + h - 1) / (H - 1), x2], i * 4);
    }
    return boxes;
  }
  const boxInd = tf.tensor1d(Array.from({ length: N }, (_, i) => i), 'int32');
  const norm = spec.normalization;
  const pixScale = tf.tensor1d(norm.std.map((s) => 1 / (255 * s)));
  const pixShift = tf.tensor1d(norm.mean.map((m, i) => -m / norm.std[i]));
  const view = (imgs) => tf.add(tf.mul(tf.image.cropAndResize(imgs, tf.tensor2d(cropBoxes(), [N, 4]), boxInd, [H, W], 'bilinear'), pixScale), pixShift);

  // ---- the step ----------------------------------------------------------------------------------------
  const wd = spec.optimizer.weightDecay;
  const bnMomentum = 0.1;
  /** One training step on raw uint8 images [N,C,H,W]; resolves to every model's {loss, ssl, kd}. */
  async function step(images) {
    const stats = [];
    const parts = [];
    const allVars = models.flatMap((m) => m.vars);
    const { value, grads } = tf.tidy(() => {
      const nchw = tf.tensor4d(Float32Array.from(images), [N, C, H, W]);
      const imgs = C === 1 ? tf.reshape(nchw, [N, H, W, 1]) : tf.transpose(nchw, [0, 2, 3, 1]);
      const views = models.map(() => [view(imgs), view(imgs)]);
      return tf.variableGrads(() => {
        const z = models.map((m, k) => {
          const p = head(m, encoder(m, tf.concat(views[k], 0), stats), stats);
          return [tf.slice(p, [0, 0], [N, spec.headOut]), tf.slice(p, [N, 0], [N, spec.headOut])];
        });
        const logits = z.map(([a, b]) => simLogits(a, b));
        let total;
        models.forEach((m, k) => {
          const ssl = ntXent(z[k][0], z[k][1]);
          let loss = ssl, kd;
          if (models.length > 1) {
            const logpK = tf.logSoftmax(logits[k]);
            const terms = models.flatMap((_, j) => {
              if (j === k) return [];
              const logpJ = tf.logSoftmax(stopGradient(logits[j]));
              return [tf.div(tf.sum(tf.mul(tf.exp(logpJ), tf.sub(logpJ, logpK))), klDivisor)];
            });
            kd = tf.div(tf.addN(terms), terms.length);
            loss = tf.add(ssl, tf.mul(kd, m.lambda));
          }
          parts.push(tf.keep(ssl), tf.keep(kd ?? tf.zeros([])), tf.keep(loss));
          total = total ? tf.add(total, loss) : loss;
        });
        return total;
      }, allVars);
    });
    value.dispose();
    for (const m of models) {
      const named = {};
      tf.tidy(() => {
        for (const v of m.vars) named[v.name] = tf.keep(wd ? tf.add(grads[v.name], tf.mul(v, wd)) : grads[v.name]);
      });
      m.optimizer.applyGradients(named);
      tf.dispose(Object.values(named));
    }
    tf.dispose(Object.values(grads));
    tf.tidy(() => {
      for (const s of stats) {
        s.p.mean.assign(tf.add(tf.mul(s.p.mean, 1 - bnMomentum), tf.mul(s.mean, bnMomentum)));
        s.p.variance.assign(tf.add(tf.mul(s.p.variance, 1 - bnMomentum), tf.mul(s.variance, (bnMomentum * s.count) / Math.max(s.count - 1, 1))));
      }
    });
    tf.dispose(stats.flatMap((s) => [s.mean, s.variance]));
    const packed = tf.stack(parts);
    const vals = await packed.data(); // also waits for the step to finish on asynchronous backends
    tf.dispose([packed, ...parts]);
    const out = {};
    models.forEach((m, k) => (out[m.name] = { ssl: vals[3 * k], kd: vals[3 * k + 1], loss: vals[3 * k + 2] }));
    return out;
  }

  return {
    step,
    composedFilterGrad: !hasFilterGrad,
    parameterCount: models.reduce((a, m) => a + m.vars.reduce((b, v) => b + v.size, 0), 0),
    dispose() {
      for (const m of models) { m.optimizer.dispose(); }
      tf.disposeVariables();
      tf.dispose([diagMask, posMask, boxInd, pixScale, pixShift]);
    },
  };
}

/** Weight gradient of a convolution [k,k,Cin,Cout] from tfjs ops (transpose once, then slice + matMul per tap). */
export function conv2dFilterGrad(tf, x, dy, k, stride, pad) {
  return tf.tidy(() => {
    const [n, , , cin] = x.shape;
    const [, oh, ow, cout] = dy.shape;
    const xp = pad > 0 ? tf.pad(x, [[0, 0], [pad, pad], [pad, pad], [0, 0]]) : x;
    const xt = tf.transpose(xp, [3, 0, 1, 2]); // [Cin, N, Hp, Wp]: rows of the matMul are input channels
    const dy2 = tf.reshape(dy, [n * oh * ow, cout]);
    const taps = [];
    for (let kh = 0; kh < k; kh++) {
      for (let kw = 0; kw < k; kw++) {
        const patch = stride === 1
          ? tf.slice(xt, [0, 0, kh, kw], [cin, n, oh, ow])
          : tf.stridedSlice(xt, [0, 0, kh, kw], [cin, n, kh + stride * (oh - 1) + 1, kw + stride * (ow - 1) + 1], [1, 1, stride, stride]);
        taps.push(tf.matMul(tf.reshape(patch, [cin, n * oh * ow]), dy2)); // plain matMul: tfjs-wasm's transposed ones are far slower
      }
    }
    return tf.reshape(tf.stack(taps), [k, k, cin, cout]);
  });
}

function mulberry32(a) {
  return () => {
    a |= 0; a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
