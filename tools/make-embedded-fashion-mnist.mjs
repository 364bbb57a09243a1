#!/usr/bin/env node
// Writes the Fashion-MNIST subset embedded in @dogo/data: the first 500 training images of each class
// and the first 100 test images of each class, kept in file order, as gzipped (level 9) IDX files in
// packages/data/assets/fashion-mnist-subset/, with the dataset's MIT licence and a README.
// Usage: node tools/make-embedded-fashion-mnist.mjs [SOURCE_DIR]   (default /usr/share/datasets/fashion-mnist/)
// The output is deterministic for a given zlib, so rerunning it leaves the committed files unchanged.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';

const PER_CLASS = { train: 500, t10k: 100 };
const CLASSES = 10;
const srcDir = process.argv[2] ?? '/usr/share/datasets/fashion-mnist/';
const outDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'packages', 'data', 'assets', 'fashion-mnist-subset');

function readIdx(base, magic) {
  const file = [path.join(srcDir, `${base}.gz`), path.join(srcDir, base)].find((f) => existsSync(f));
  if (file === undefined) {
    console.error(`missing ${path.join(srcDir, base)}(.gz): apt-get install dataset-fashion-mnist, or pass the folder holding the files`);
    process.exit(1);
  }
  let bytes = readFileSync(file);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  const got = bytes.readUInt32BE(0);
  if (got !== magic) throw new Error(`${file}: magic 0x${got.toString(16)}, expected 0x${magic.toString(16)}`);
  const ndim = magic & 0xff;
  const dims = Array.from({ length: ndim }, (_, i) => bytes.readUInt32BE(4 + 4 * i));
  const header = 4 + 4 * ndim;
  const size = dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== header + size) throw new Error(`${file}: ${bytes.length} bytes, expected ${header + size}`);
  return { file, dims, data: bytes.subarray(header) };
}

function idxBytes(magic, dims, data) {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return gzipSync(Buffer.concat([header, data]), { level: 9 });
}

mkdirSync(outDir, { recursive: true });
const summary = [];
for (const split of ['train', 't10k']) {
  const images = readIdx(`${split}-images-idx3-ubyte`, 0x00000803);
  const labels = readIdx(`${split}-labels-idx1-ubyte`, 0x00000801);
  const [count, h, w] = images.dims;
  if (labels.dims[0] !== count) throw new Error(`${labels.file}: ${labels.dims[0]} labels for ${count} images`);
  const taken = new Array(CLASSES).fill(0);
  const keep = [];
  for (let i = 0; i < count; i++) {
    const l = labels.data[i];
    if (l >= CLASSES) throw new Error(`${labels.file}: label ${l} at item ${i}`);
    if (taken[l] < PER_CLASS[split]) {
      taken[l]++;
      keep.push(i);
    }
  }
  if (taken.some((t) => t < PER_CLASS[split])) throw new Error(`${split}: a class has fewer than ${PER_CLASS[split]} images: ${taken}`);
  const px = h * w;
  const outImages = Buffer.alloc(keep.length * px);
  const outLabels = Buffer.alloc(keep.length);
  keep.forEach((i, k) => {
    images.data.copy(outImages, k * px, i * px, (i + 1) * px);
    outLabels[k] = labels.data[i];
  });
  writeFileSync(path.join(outDir, `${split}-images-idx3-ubyte.gz`), idxBytes(0x00000803, [keep.length, h, w], outImages));
  writeFileSync(path.join(outDir, `${split}-labels-idx1-ubyte.gz`), idxBytes(0x00000801, [keep.length], outLabels));
  summary.push(`${split}: ${keep.length} of ${count} images (${PER_CLASS[split]} per class), last source index ${keep[keep.length - 1]}`);
}

writeFileSync(
  path.join(outDir, 'LICENSE'),
  `MIT License

Copyright (c) 2017 Zalando SE

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
`,
);

writeFileSync(
  path.join(outDir, 'README.md'),
  `# Fashion-MNIST subset (embedded default data)

A fixed, class-balanced subset of [Fashion-MNIST](https://github.com/zalandoresearch/fashion-mnist)
(Xiao, Rasul & Vollgraf, 2017), shipped so that \`loadEmbeddedFashionMnist()\` works with no download.

- \`train-*\`: the first 500 images of each of the 10 classes in the training files, in file order (5000 images).
- \`t10k-*\`: the first 100 images of each class in the test files, in file order (1000 images).
- Format: the original IDX format (images magic 0x00000803, labels 0x00000801), 28x28 uint8, gzip level 9.

Made by \`node tools/make-embedded-fashion-mnist.mjs\` from the full files of Debian's
\`dataset-fashion-mnist\` package (\`/usr/share/datasets/fashion-mnist/\`). Rerun it to regenerate;
the output is byte-identical for a given zlib.

Licence: MIT, Copyright (c) 2017 Zalando SE; see LICENSE in this folder.
`,
);
console.log(`wrote ${outDir}\n  ${summary.join('\n  ')}`);
