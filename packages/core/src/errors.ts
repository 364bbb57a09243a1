/** Typed errors of the core. Each message says what is wrong and what to do. Public. */

/** Base class so callers can catch every dogo error at once. */
export class DogoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A node's inputs do not fit its op's shape rule. Names the op, the node and the shapes. */
export class ShapeError extends DogoError {}

/** An op name that no registry entry defines. */
export class UnknownOpError extends DogoError {}

/** A feed is missing, has the wrong shape or dtype, or names nothing the graph has. */
export class FeedError extends DogoError {}

/** An op has no gradient rule but a gradient through it was asked for. */
export class GradientError extends DogoError {}

/** A backend cannot run something it was given (an op it lacks, a destroyed executable). */
export class BackendError extends DogoError {}
