/** Checks feeds against a plan's leaves; shared by every backend so errors read the same everywhere. */
import type { TypedData } from '../dtype.js';
import { FeedError } from '../errors.js';
import type { PlanValue } from '../passes/plan.js';
import { formatShape } from '../shape.js';
import type { Feed } from './backend.js';

/** The data of a feed after checking its size, shape and element type against a leaf. */
export function checkFeed(what: string, v: PlanValue, feed: Feed | undefined): TypedData {
  if (feed === undefined) throw new FeedError(`${what} "${v.name}" is missing: expected ${v.dtype}${formatShape(v.shape)}`);
  const data = ArrayBuffer.isView(feed) ? feed : feed.data;
  if (!ArrayBuffer.isView(feed)) {
    if (feed.dtype !== v.dtype || feed.shape.join() !== v.shape.join()) {
      throw new FeedError(`${what} "${v.name}" is ${feed.dtype}${formatShape(feed.shape)}, expected ${v.dtype}${formatShape(v.shape)}`);
    }
  }
  if (data.length !== v.size) throw new FeedError(`${what} "${v.name}" has ${data.length} elements, expected ${v.size} for ${formatShape(v.shape)}`);
  if (v.dtype === 'int32' && !(data instanceof Int32Array)) throw new FeedError(`${what} "${v.name}" must be an Int32Array (dtype int32)`);
  if (v.dtype === 'float32' && data instanceof Int32Array) throw new FeedError(`${what} "${v.name}" must be float data (dtype float32), got Int32Array`);
  return data;
}

/** Rejects feeds that name no input of the plan (usually a typo). */
export function checkFeedNames(feeds: Readonly<Record<string, Feed>>, inputs: ReadonlyMap<string, number>): void {
  for (const k of Object.keys(feeds)) {
    if (!inputs.has(k)) throw new FeedError(`feed "${k}" names no input of this step; inputs are: ${[...inputs.keys()].join(', ') || 'none'}`);
  }
}
