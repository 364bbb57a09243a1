/** @dogo/platform on Node (export condition `node`): @dogo/node's createBackend, checked against index.ts's types. */
import { createBackend as create, selectBackend as select } from '@dogo/node';
import type * as Api from './index.js';

export type { Backend, BackendChoice, BackendKind, CreateBackendOptions } from './index.js';
/** See index.ts. */
export const createBackend: typeof Api.createBackend = create;
/** See index.ts. */
export const selectBackend: typeof Api.selectBackend = select;
