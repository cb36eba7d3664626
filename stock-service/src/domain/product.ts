import type { Money, ProductChanged } from '@order-platform/shared';

/** A product of the catalog with its stock. On hand = available + reserved. */
export interface Product {
  sku: string;
  name: string;
  price: Money;
  available: number;
  reserved: number;
  sold: number;
  lowStockThreshold: number;
  active: boolean;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewProduct {
  sku: string;
  name: string;
  price: Money;
  onHand: number;
  lowStockThreshold: number;
}

export interface ProductChanges {
  name?: string;
  price?: Money;
  active?: boolean;
}

export function newProduct(input: NewProduct, now: Date): Product {
  return {
    sku: input.sku,
    name: input.name,
    price: input.price,
    available: input.onHand,
    reserved: 0,
    sold: 0,
    lowStockThreshold: input.lowStockThreshold,
    active: true,
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
}

/** Applies catalog changes; returns the product unchanged (same version) when nothing differs. */
export function changeProduct(product: Product, changes: ProductChanges, now: Date): { product: Product; changed: boolean } {
  const next = {
    ...product,
    name: changes.name ?? product.name,
    price: changes.price ?? product.price,
    active: changes.active ?? product.active,
  };
  const changed =
    next.name !== product.name ||
    next.active !== product.active ||
    next.price.amount !== product.price.amount ||
    next.price.currency !== product.price.currency;
  return changed ? { product: { ...next, version: product.version + 1, updatedAt: now }, changed } : { product, changed };
}

export function restock(product: Product, quantity: number, now: Date): Product {
  return { ...product, available: product.available + quantity, updatedAt: now };
}

export function productChanged(product: Product, now: Date): ProductChanged {
  return {
    sku: product.sku,
    name: product.name,
    price: product.price,
    active: product.active,
    version: product.version,
    changedAt: now.toISOString(),
  };
}

/** The HTTP representation (docs/architecture.md, "HTTP surface"). */
export function productView(product: Product) {
  return {
    sku: product.sku,
    name: product.name,
    price: product.price,
    onHand: product.available + product.reserved,
    available: product.available,
    reserved: product.reserved,
    sold: product.sold,
    active: product.active,
    lowStockThreshold: product.lowStockThreshold,
  };
}

export type ProductView = ReturnType<typeof productView>;
