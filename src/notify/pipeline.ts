/** A channel's config → its delivery pipeline (whole-delivery timeout, concurrency, retry). */
import type { ChannelConfig } from '../config/sections/notifications.js';
import type { ChannelPipeline } from './types.js';

/** The pipeline part of a channel's config. */
export function pipelineOf(config: Pick<ChannelConfig, 'timeout' | 'concurrency' | 'retry'>): ChannelPipeline {
  return { timeout: config.timeout, concurrency: config.concurrency, ...(config.retry === undefined ? {} : { retry: config.retry }) };
}
