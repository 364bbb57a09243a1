// Every package's public types, so the consumer's tsc (skipLibCheck false) checks every declaration file shipped.
import type * as backendWasm from '@dogo/backend-wasm';
import type * as backendWebgpu from '@dogo/backend-webgpu';
import type * as browser from '@dogo/browser';
import type * as cli from '@dogo/cli';
import type * as core from '@dogo/core';
import type * as data from '@dogo/data';
import type * as dataNode from '@dogo/data/node';
import type * as nn from '@dogo/nn';
import type * as node from '@dogo/node';
import type * as platform from '@dogo/platform';
import type * as shaders from '@dogo/shaders-tensor';
import type * as ssl from '@dogo/ssl';

export type Packages = [typeof backendWasm, typeof backendWebgpu, typeof browser, typeof cli, typeof core, typeof data, typeof dataNode, typeof nn, typeof node, typeof platform, typeof shaders, typeof ssl];
