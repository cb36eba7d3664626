import type { Migration } from '@order-platform/shared';
import * as products from './001-products.js';

export const migrations: Record<string, Migration> = {
  '001-products': products,
};
