/**
 * @dogo/serve: an HTTP service for embeddings and kNN labels of posted images, on any backend, batching
 * concurrent requests into shared forward passes. Public entry. Node only (fastify). It builds no model and
 * reads no file: callers (`dogo serve`) pass the encoder, its weights and a backend.
 */
export { EmbeddingService, DEFAULT_LIMITS, type EmbeddingServiceOptions, type ServiceLimits, type HealthReport } from './service.js';
export { Embedder, type EmbedderOptions } from './embedder.js';
export { EmbeddingBatcher, QueueFullError, type BatcherStats, type BatcherOptions } from './batcher.js';
export { BadInputError, INPUT_TYPES, type InputLimits } from './image_input.js';
