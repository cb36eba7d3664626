import type { Customer } from '../domain/customer.js';

/** The stub directory's named customers; `make demo` orders as them. */
export const knownCustomers: Customer[] = [
  { id: 'cust-ada', name: 'Ada Lovelace', email: 'ada@customers.example' },
  { id: 'cust-grace', name: 'Grace Hopper', email: 'grace@customers.example' },
  { id: 'cust-alan', name: 'Alan Turing', email: 'alan@customers.example' },
  { id: 'cust-katherine', name: 'Katherine Johnson', email: 'katherine@customers.example' },
];

/**
 * Any other id gets a made-up entry so every local order can be mailed, except ids starting
 * with `unknown-`, which answer 404 to show the "not in the directory" path.
 */
export function stubCustomer(id: string): Customer | undefined {
  const known = knownCustomers.find((c) => c.id === id);
  if (known) return known;
  if (id.startsWith('unknown-')) return undefined;
  const local = id.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').slice(0, 64) || 'customer';
  return { id, name: `Customer ${id}`, email: `${local}@customers.example` };
}
