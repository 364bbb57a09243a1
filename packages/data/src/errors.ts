/** Typed errors of @dogo/data. Each message names the file, the byte offset or field at fault and what to do. Public. */

/** A dataset file whose bytes break its format: wrong magic, truncated, out-of-range label, bad image. */
export class CorruptDatasetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A dataset that is not where it was looked for. The message lists the paths tried and how to get the data. */
export class DatasetNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Two splits that must describe the same kind of images do not: another image size, channel count or class list. */
export class DatasetMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
