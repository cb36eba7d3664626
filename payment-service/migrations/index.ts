import type { Migration } from '@order-platform/shared';
import * as payments from './001-payments.js';

export const migrations: Record<string, Migration> = {
  '001-payments': payments,
};
