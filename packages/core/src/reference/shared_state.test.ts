/** CompileSpec.shareStateWith on the reference backend (the case every backend runs). */
import { expect, test } from 'vitest';
import { BackendError, Graph, ReferenceBackend, SHARED_STATE_EXPECTED, ops, runSharedStateCase, type Executable } from '../index.js';

test('an executable compiled with shareStateWith reads and writes the other executable\'s state, with no copy', async () => {
  const o = await runSharedStateCase(new ReferenceBackend());
  expect(o.before).toEqual(SHARED_STATE_EXPECTED.before);
  expect(o.afterTrain).toEqual(SHARED_STATE_EXPECTED.afterTrain);
  expect(o.trainSeesWrite).toEqual(SHARED_STATE_EXPECTED.trainSeesWrite);
  expect(o.afterSourceDestroyed).toEqual(SHARED_STATE_EXPECTED.afterSourceDestroyed);
  expect(o.ownState).toEqual(SHARED_STATE_EXPECTED.ownState);
  expect(o.shapeError).toMatch(SHARED_STATE_EXPECTED.shapeError);
  expect(o.initialError).toMatch(SHARED_STATE_EXPECTED.initialError);
  expect(o.destroyedError).toMatch(SHARED_STATE_EXPECTED.destroyedError);
});

test('shareStateWith refuses an executable of another backend', async () => {
  const g = new Graph();
  const foreign = { backend: 'other', plan: undefined } as unknown as Executable;
  await expect(new ReferenceBackend().compile({ outputs: { s: ops.sum(g.state('w', [2])) }, shareStateWith: foreign })).rejects.toThrow(BackendError);
});
