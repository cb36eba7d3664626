import type { Migration } from '@order-platform/shared';
import * as payments from './001-payments.js';
import * as rateLimits from './002-rate-limits.js';

export const migrations: Record<string, Migration> = {
  '001-payments': payments,
  '002-rate-limits': rateLimits,
};
