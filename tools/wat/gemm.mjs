// GEMM kernels (generator of WAT text; internal to the build).
//
// Contract of the exported wasm function
//   gemm(transA, transB, M, N, K, A, lda, B, ldb, C, ldc, flags, m0, m1, n0, n1, scratch)
// computes, for rows m0 <= i < m1 and columns n0 <= j < n1 of C only (the caller splits work between
// threads by these ranges):
//   C[i,j] = (flags & ACCUMULATE ? C[i,j] : 0) + sum_k op(A)[i,k] * op(B)[k,j]
// Float32, row-major. A, B, C, scratch are byte offsets into the shared memory; lda, ldb, ldc are
// leading dimensions in elements. op(A) is A [M,K] (A[i*lda+k]) or, with transA, A stored [K,M] (A[k*lda+i]);
// op(B) is B [K,N] (B[k*ldb+j]) or, with transB, B stored [N,K] (B[j*ldb+k]).
// flags: 1 ACCUMULATE, 16 PACKED_A: A is op(A) already packed by gemm_pack_a_all(transA, A, lda, M, K, dst) (transA, lda unused).
//   gemm_pack_a_all writes gemm_packed_a_bytes(M, K) bytes; reusing one packed A over many products (a
//   convolution's weights over the images of a batch) saves packing it each time.
//   32 PACKED_B: B is op(B) already packed (transB, ldb unused) as K slices of gemm_kc(K) rows, each slice
//   NR-column panels k-major: element (k, j) at B[pc*Npad + (j - j%NR)*kc + (k - pc)*NR + j%NR], where pc is
//   the slice's first row, kc its length and Npad = N rounded up to NR (winograd.mjs writes its transformed
//   input this way); columns past N in the last panel must hold finite values (they are computed and dropped).
// scratch: GEMM_SCRATCH_BYTES bytes private to the calling thread (packed A block, packed B block, edge tile),
// 16-byte aligned. Any M, N, K >= 0 (K = 0 gives C = 0 or C unchanged).
//
// Method (BLIS): loop over NC-column blocks of B, K slices of at most KC (balanced: K split evenly), MC-row
// blocks of A; pack the B block
// into NR-wide panels (k-major, zero-padded) and the A block into MR-tall panels, then run an MR x NR
// register-blocked micro-kernel over every (MR, NR) tile. The B micro-panel (KC x NR) stays in L1, the A
// block (MC x KC) in L2. Edge tiles are computed whole into a small tile buffer and the valid part added to C.
// MR x NR: see GEMM_CONFIGS.
import { g, s, i, params, locals, forLoop, at, mul, add, min } from './wat.mjs';

/**
 * Register block (MR x NR, NR = 4 * NV) and cache block sizes (elements) of each variant. TurboFan hoists all
 * loads of a k step ahead of its FMAs, so MR + NV loads and MR * NV accumulators must fit in the 15
 * allocatable xmm registers: relaxed uses 3 x 12 (9 independent FMA chains, 15 registers); plain SIMD needs
 * a temporary for mul + add, so it uses 2 x 16 (8 chains, 14 + 1 registers). Measured on one core:
 * relaxed 3 x 12 ~56 GFLOP/s, 2 x 16 ~52; plain 2 x 16 ~43, 3 x 12 ~35 (it spills).
 * MC is a multiple of every MR, NC of every NR.
 */
export const GEMM_CONFIGS = {
  simd: { MR: 2, NV: 4, NR: 16, KC: 384, MC: 120, NC: 960 },
  relaxed: { MR: 3, NV: 3, NR: 12, KC: 384, MC: 120, NC: 960 },
};
/** Bytes of per-thread scratch the gemm function needs (the larger of the variants). */
export const GEMM_SCRATCH_BYTES = Math.max(...Object.values(GEMM_CONFIGS).map(
  (c) => (c.MC * c.KC + c.KC * c.NC + c.MR * c.NR) * 4 + 64));

/** @param {import('./wat.mjs').Variant} variant */
export function gemmWat(variant) {
  const cfg = GEMM_CONFIGS[variant.name];
  return [microKernel(variant, cfg), packA(cfg), packAll(cfg), packB(cfg), driver(cfg)].join('\n');
}

function microKernel({ fma }, { MR, NV, NR }) {
  const acc = [];
  for (let r = 0; r < MR; r++) for (let v = 0; v < NV; v++) acc.push(`c${r}_${v}`);
  const bv = Array.from({ length: NV }, (_, v) => `b${v}`);
  const step = (u) => {
    const out = [];
    for (let v = 0; v < NV; v++) out.push(s(`b${v}`, `(v128.load offset=${(u * NR + 4 * v) * 4} ${g('b')})`));
    for (let r = 0; r < MR; r++) {
      out.push(s('a0', `(v128.load32_splat offset=${(u * MR + r) * 4} ${g('a')})`));
      for (let v = 0; v < NV; v++) out.push(s(`c${r}_${v}`, fma(g('a0'), g(`b${v}`), g(`c${r}_${v}`))));
    }
    return out.join('\n    ');
  };
  const loadC = [], storeC = [];
  for (let r = 0; r < MR; r++) {
    for (let v = 0; v < NV; v++) {
      loadC.push(s(`c${r}_${v}`, `(v128.load offset=${16 * v} ${g('cr')})`));
      storeC.push(`(v128.store offset=${16 * v} ${g('cr')} ${g(`c${r}_${v}`)})`);
    }
    loadC.push(s('cr', add(g('cr'), g('ldcb'))));
    storeC.push(s('cr', add(g('cr'), g('ldcb'))));
  }
  return `
;; C[MR x NR] (+)= Apanel[kc x MR]^T . Bpanel[kc x NR]; ldcb = row stride of C in bytes; kc >= 1.
(func $gemm_micro ${params(['kc', 'a', 'b', 'c', 'ldcb', 'load'])}
  (local $cr i32) ${locals([...acc, ...bv, 'a0'], 'v128')}
  (if ${g('load')} (then ${s('cr', g('c'))}
    ${loadC.join('\n    ')}))
  ;; kc >= 1: a do-while loop, one k step per iteration (TurboFan keeps this form spill-free; unrolled
  ;; bodies get their loads hoisted and spill accumulators)
  (loop $k
    ${step(0)}
    ${s('a', add(g('a'), i(MR * 4)))}
    ${s('b', add(g('b'), i(NR * 4)))}
    ${s('kc', `(i32.sub ${g('kc')} ${i(1)})`)}
    (br_if $k ${g('kc')}))
  ${s('cr', g('c'))}
  ${storeC.join('\n  ')})`;
}

// Packs rows [m0, m0+mc) x depth [k0, k0+kc) of op(A) into MR-row panels: dst[p*kc + k*MR + r].
function packA({ MR }) {
  return `
(func $gemm_pack_a ${params(['transA', 'A', 'lda', 'm0', 'mc', 'k0', 'kc', 'dst'])}
  ${locals(['p', 'mr', 'r', 'k', 'src', 'd', 'end'])}
  ${forLoop('p', i(0), g('mc'), MR, `
    ${s('mr', min(i(MR), `(i32.sub ${g('mc')} ${g('p')})`))}
    ${s('d', at(g('dst'), mul(g('p'), g('kc'))))}
    (if (i32.lt_s ${g('mr')} ${i(MR)}) (then
      (memory.fill ${g('d')} (i32.const 0) ${mul(g('kc'), i(MR * 4))})))
    (if ${g('transA')}
      (then
        ;; op(A)[m, k] = A[k*lda + m]: MR contiguous floats per k
        ${forLoop('r', i(0), g('mr'), 1, `
          ${s('src', at(g('A'), add(mul(g('k0'), g('lda')), add(add(g('m0'), g('p')), g('r')))))}
          ${s('k', at(g('d'), g('r')))}
          ${s('end', add(g('k'), mul(g('kc'), i(MR * 4))))}
          (block $ta_done (loop $ta
            (br_if $ta_done (i32.ge_u ${g('k')} ${g('end')}))
            (f32.store ${g('k')} (f32.load ${g('src')}))
            ${s('src', at(g('src'), g('lda')))}
            ${s('k', add(g('k'), i(MR * 4)))}
            (br $ta)))`)})
      (else
        ;; op(A)[m, k] = A[m*lda + k]: one contiguous row per r, strided stores
        ${forLoop('r', i(0), g('mr'), 1, `
          ${s('src', at(g('A'), add(mul(add(add(g('m0'), g('p')), g('r')), g('lda')), g('k0'))))}
          ${s('k', at(g('d'), g('r')))}
          ${s('end', add(g('k'), mul(g('kc'), i(MR * 4))))}
          (block $na_done (loop $na
            (br_if $na_done (i32.ge_u ${g('k')} ${g('end')}))
            (f32.store ${g('k')} (f32.load ${g('src')}))
            ${s('src', add(g('src'), i(4)))}
            ${s('k', add(g('k'), i(MR * 4)))}
            (br $na)))`)}))`)})`;
}

// Packs depth [k0, k0+kc) x columns [n0, n0+nc) of op(B) into NR-column panels: dst[p*kc + k*NR + j].
/** i8x16.shuffle picking f32 lanes (0-3 from a, 4-7 from b). */
const shuf = (a, b, lanes) => `(i8x16.shuffle ${lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]).join(' ')} ${a} ${b})`;

function packB({ NR, NV }) {
  const copyRow = Array.from({ length: NV }, (_, v) =>
    `(v128.store offset=${16 * v} ${g('d')} (v128.load offset=${16 * v} ${g('src')}))`).join(' ');
  return `
(func $gemm_pack_b ${params(['transB', 'B', 'ldb', 'n0', 'nc', 'k0', 'kc', 'dst'])}
  ${locals(['p', 'nr', 'j', 'k', 'src', 'd', 'end', 'src2', 'ldb4', 'kv'])} ${locals(['r0', 'r1', 'r2', 'r3', 't0', 't1', 't2', 't3'], 'v128')}
  ${s('ldb4', mul(g('ldb'), i(4)))}
  ${forLoop('p', i(0), g('nc'), NR, `
    ${s('nr', min(i(NR), `(i32.sub ${g('nc')} ${g('p')})`))}
    ${s('d', at(g('dst'), mul(g('p'), g('kc'))))}
    (if (i32.lt_s ${g('nr')} ${i(NR)}) (then
      (memory.fill ${g('d')} (i32.const 0) ${mul(g('kc'), i(NR * 4))})))
    (if ${g('transB')}
      (then
        ;; op(B)[k, n] = B[n*ldb + k]: full panels transpose 4 x 4 blocks (4 stored rows, 4 k at a time)
        (if (i32.eq ${g('nr')} ${i(NR)}) (then
          ${s('kv', `(i32.and ${g('kc')} (i32.const -4))`)}
          ${forLoop('j', i(0), i(NR), 4, `
            ${s('src', at(g('B'), add(mul(add(add(g('n0'), g('p')), g('j')), g('ldb')), g('k0'))))}
            ${s('src2', at(g('d'), g('j')))}
            ${forLoop('k', i(0), g('kv'), 4, `
              ${s('r0', `(v128.load ${g('src')})`)}
              ${s('r1', `(v128.load ${add(g('src'), g('ldb4'))})`)}
              ${s('r2', `(v128.load ${add(g('src'), mul(g('ldb4'), i(2)))})`)}
              ${s('r3', `(v128.load ${add(g('src'), mul(g('ldb4'), i(3)))})`)}
              ${s('t0', shuf(g('r0'), g('r1'), [0, 4, 1, 5]))}
              ${s('t1', shuf(g('r0'), g('r1'), [2, 6, 3, 7]))}
              ${s('t2', shuf(g('r2'), g('r3'), [0, 4, 1, 5]))}
              ${s('t3', shuf(g('r2'), g('r3'), [2, 6, 3, 7]))}
              (v128.store offset=0 ${g('src2')} ${shuf(g('t0'), g('t2'), [0, 1, 4, 5])})
              (v128.store offset=${NR * 4} ${g('src2')} ${shuf(g('t0'), g('t2'), [2, 3, 6, 7])})
              (v128.store offset=${NR * 8} ${g('src2')} ${shuf(g('t1'), g('t3'), [0, 1, 4, 5])})
              (v128.store offset=${NR * 12} ${g('src2')} ${shuf(g('t1'), g('t3'), [2, 3, 6, 7])})
              ${s('src', add(g('src'), i(16)))}
              ${s('src2', add(g('src2'), i(NR * 16)))}`)}`)}))
        ;; the rest (partial panels, k tail) element by element
        ${s('kv', `(if (result i32) (i32.eq ${g('nr')} ${i(NR)}) (then ${g('kv')}) (else (i32.const 0)))`)}
        ${forLoop('j', i(0), g('nr'), 1, `
          ${s('src', at(g('B'), add(mul(add(add(g('n0'), g('p')), g('j')), g('ldb')), add(g('k0'), g('kv')))))}
          ${s('k', at(g('d'), add(mul(g('kv'), i(NR)), g('j'))))}
          ${s('end', add(at(g('d'), g('j')), mul(g('kc'), i(NR * 4))))}
          (block $tb_done (loop $tb
            (br_if $tb_done (i32.ge_u ${g('k')} ${g('end')}))
            (f32.store ${g('k')} (f32.load ${g('src')}))
            ${s('src', add(g('src'), i(4)))}
            ${s('k', add(g('k'), i(NR * 4)))}
            (br $tb)))`)})
      (else
        ${s('src', at(g('B'), add(mul(g('k0'), g('ldb')), add(g('n0'), g('p')))))}
        ${s('end', add(g('d'), mul(g('kc'), i(NR * 4))))}
        (if (i32.eq ${g('nr')} ${i(NR)})
          (then
            (block $nb_done (loop $nb
              (br_if $nb_done (i32.ge_u ${g('d')} ${g('end')}))
              ${copyRow}
              ${s('src', add(g('src'), g('ldb4')))}
              ${s('d', add(g('d'), i(NR * 4)))}
              (br $nb))))
          (else
            (block $pb_done (loop $pb
              (br_if $pb_done (i32.ge_u ${g('d')} ${g('end')}))
              ${forLoop('j', i(0), g('nr'), 1, `(f32.store ${at(g('d'), g('j'))} (f32.load ${at(g('src'), g('j'))}))`)}
              ${s('src', add(g('src'), g('ldb4')))}
              ${s('d', add(g('d'), i(NR * 4)))}
              (br $pb)))))))`)})`;
}

// K slice length: K split into ceil(K / KC) equal slices (288 -> one slice of 288, not 256 + 32), and the
// whole op(A) packed slice by slice ([slice][MR-panel][k][MR], Mpad = M rounded up to MR).
function packAll({ MR, KC }) {
  return `
(func $gemm_kc (export "gemm_kc") (param $K i32) (result i32) (local $blocks i32)
  ${s('blocks', `(i32.div_u (i32.add ${g('K')} ${i(KC - 1)}) ${i(KC)})`)}
  (if (i32.eqz ${g('blocks')}) (then (return (i32.const 1))))
  (i32.div_u (i32.add ${g('K')} (i32.sub ${g('blocks')} (i32.const 1))) ${g('blocks')}))
(func $gemm_packed_a_bytes (export "gemm_packed_a_bytes") ${params(['M', 'K'])} (result i32)
  ${mul(mul(`(i32.div_u (i32.add ${g('M')} ${i(MR - 1)}) ${i(MR)})`, i(MR * 4)), g('K'))})
(func $gemm_pack_a_all (export "gemm_pack_a_all") ${params(['transA', 'A', 'lda', 'M', 'K', 'dst'])}
  ${locals(['pc', 'kc', 'kcs', 'mpad'])}
  ${s('kcs', `(call $gemm_kc ${g('K')})`)}
  ${s('mpad', mul(`(i32.div_u (i32.add ${g('M')} ${i(MR - 1)}) ${i(MR)})`, i(MR)))}
  ${forLoop('pc', i(0), g('K'), g('kcs'), `
    ${s('kc', min(g('kcs'), `(i32.sub ${g('K')} ${g('pc')})`))}
    (call $gemm_pack_a ${g('transA')} ${g('A')} ${g('lda')} (i32.const 0) ${g('M')} ${g('pc')} ${g('kc')} ${at(g('dst'), mul(g('pc'), g('mpad')))})`)})`;
}

function driver({ MR, NR, KC, MC, NC }) {
  return `
(func $gemm (export "gemm") ${params(['transA', 'transB', 'M', 'N', 'K', 'A', 'lda', 'B', 'ldb', 'C', 'ldc', 'flags', 'm0', 'm1', 'n0', 'n1', 'scratch'])}
  ${locals(['ap', 'bp', 'tile', 'jc', 'nc', 'pc', 'kc', 'ic', 'mc', 'jr', 'nr', 'ir', 'mr', 'load', 'acc', 'cp', 'r', 'j', 'ldcb', 'ca', 'ta', 'kcs', 'packed', 'mpad', 'packedB', 'npad'])}
  (if (i32.or (i32.ge_s ${g('m0')} ${g('m1')}) (i32.ge_s ${g('n0')} ${g('n1')})) (then (return)))
  ${s('ap', g('scratch'))}
  ${s('bp', add(g('scratch'), i(MC * KC * 4)))}
  ${s('tile', add(g('bp'), i(KC * NC * 4)))}
  ${s('acc', `(i32.and ${g('flags')} (i32.const 1))`)}
  ${s('ldcb', mul(g('ldc'), i(4)))}
  ${s('kcs', `(call $gemm_kc ${g('K')})`)}
  ${s('packed', `(i32.and ${g('flags')} (i32.const 16))`)}
  ${s('mpad', mul(`(i32.div_u (i32.add ${g('M')} ${i(MR - 1)}) ${i(MR)})`, i(MR)))}
  ${s('packedB', `(i32.and ${g('flags')} (i32.const 32))`)}
  ${s('npad', mul(`(i32.div_u (i32.add ${g('N')} ${i(NR - 1)}) ${i(NR)})`, i(NR)))}
  (if (i32.le_s ${g('K')} (i32.const 0)) (then
    (if (i32.eqz ${g('acc')}) (then
      ${forLoop('r', g('m0'), g('m1'), 1, `
        (memory.fill ${at(g('C'), add(mul(g('r'), g('ldc')), g('n0')))} (i32.const 0) ${mul(`(i32.sub ${g('n1')} ${g('n0')})`, i(4))})`)}))))
  ${forLoop('jc', g('n0'), g('n1'), NC, `
    ${s('nc', min(i(NC), `(i32.sub ${g('n1')} ${g('jc')})`))}
    ${forLoop('pc', i(0), g('K'), g('kcs'), `
      ${s('kc', min(g('kcs'), `(i32.sub ${g('K')} ${g('pc')})`))}
      ${s('load', `(i32.or ${g('acc')} (i32.gt_s ${g('pc')} (i32.const 0)))`)}
      (if ${g('packedB')}
        (then ${s('bp', at(g('B'), add(mul(g('pc'), g('npad')), mul(g('jc'), g('kc')))))})
        (else (call $gemm_pack_b ${g('transB')} ${g('B')} ${g('ldb')} ${g('jc')} ${g('nc')} ${g('pc')} ${g('kc')} ${g('bp')})))
      ${forLoop('ic', g('m0'), g('m1'), MC, `
        ${s('mc', min(i(MC), `(i32.sub ${g('m1')} ${g('ic')})`))}
        (if ${g('packed')}
          (then ${s('ap', at(g('A'), add(mul(g('pc'), g('mpad')), mul(g('ic'), g('kc')))))})
          (else (call $gemm_pack_a ${g('transA')} ${g('A')} ${g('lda')} ${g('ic')} ${g('mc')} ${g('pc')} ${g('kc')} ${g('ap')})))
        ${forLoop('jr', i(0), g('nc'), NR, `
          ${s('nr', min(i(NR), `(i32.sub ${g('nc')} ${g('jr')})`))}
          ${forLoop('ir', i(0), g('mc'), MR, `
            ${s('mr', min(i(MR), `(i32.sub ${g('mc')} ${g('ir')})`))}
            ${s('cp', at(g('C'), add(mul(add(g('ic'), g('ir')), g('ldc')), add(g('jc'), g('jr')))))}
            (if (i32.and (i32.eq ${g('mr')} ${i(MR)}) (i32.eq ${g('nr')} ${i(NR)}))
              (then
                (call $gemm_micro ${g('kc')} ${at(g('ap'), mul(g('ir'), g('kc')))} ${at(g('bp'), mul(g('jr'), g('kc')))}
                  ${g('cp')} ${g('ldcb')} ${g('load')}))
              (else
                (call $gemm_micro ${g('kc')} ${at(g('ap'), mul(g('ir'), g('kc')))} ${at(g('bp'), mul(g('jr'), g('kc')))}
                  ${g('tile')} ${i(NR * 4)} (i32.const 0))
                ${forLoop('r', i(0), g('mr'), 1, `
                  ${s('ca', add(g('cp'), mul(g('r'), g('ldcb'))))}
                  ${s('ta', at(g('tile'), mul(g('r'), i(NR))))}
                  ${forLoop('j', i(0), g('nr'), 1, `
                    (f32.store ${at(g('ca'), g('j'))}
                      (f32.add (f32.load ${at(g('ta'), g('j'))})
                        (if (result f32) ${g('load')} (then (f32.load ${at(g('ca'), g('j'))})) (else (f32.const 0)))))`)}`)}))`)}`)}`)}`)}`)})`;
}

