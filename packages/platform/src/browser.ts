/** @dogo/platform in browsers (export condition `browser`): @dogo/browser's createBackend, checked against index.ts's types. */
import { createBackend as create, selectBackend as select } from '@dogo/browser';
import type * as Api from './index.js';

export type { Backend, BackendChoice, BackendKind, CreateBackendOptions } from './index.js';
/** See index.ts. */
export const createBackend: typeof Api.createBackend = create;
/** See index.ts. */
export const selectBackend: typeof Api.selectBackend = select;
