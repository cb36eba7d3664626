export interface Customer {
  id: string;
  name: string;
  email: string;
}

/** A lookup always answers: a directory that is down or slow is `unavailable`, never an exception. */
export type CustomerLookup = { status: 'found'; customer: Customer } | { status: 'unknown' } | { status: 'unavailable'; reason: string };

export interface CustomerDirectory {
  find(customerId: string): Promise<CustomerLookup>;
}
