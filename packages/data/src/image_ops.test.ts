import { describe, expect, it } from 'vitest';
import { resizeHwc, toChannels, writeChw } from './image_ops.js';

describe('image ops', () => {
  const rgba = { data: Uint8Array.from([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 0, 10, 20, 30, 255]), height: 2, width: 2, channels: 4 };

  it('converts to gray (BT.601) and RGB, dropping alpha', () => {
    expect(Array.from(toChannels(rgba, 1).data)).toEqual([76, 150, 29, 18]);
    expect(Array.from(toChannels(rgba, 3).data)).toEqual([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]);
  });

  it('resizes nearest and bilinear, and lays out CHW', () => {
    const g = { data: Uint8Array.from([0, 100, 200, 40]), height: 2, width: 2, channels: 1 };
    expect(Array.from(resizeHwc(g, 4, 4, 'nearest').data)).toEqual([0, 0, 100, 100, 0, 0, 100, 100, 200, 200, 40, 40, 200, 200, 40, 40]);
    const up = resizeHwc(g, 4, 4, 'bilinear').data;
    expect([up[0], up[3], up[12], up[15]]).toEqual([0, 100, 200, 40]);
    expect(up[1]).toBe(25);
    expect(Array.from(resizeHwc(g, 1, 1, 'bilinear').data)).toEqual([85]);
    const out = new Uint8Array(12);
    writeChw(toChannels(rgba, 3), out, 0);
    expect(Array.from(out)).toEqual([255, 0, 0, 10, 0, 255, 0, 20, 0, 0, 255, 30]);
  });
});
