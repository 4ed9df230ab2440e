/**
 * The writable form of a readonly request type: what a parser refills for each request it hands
 * out, so that the worker loop's requests need no new object (the parsers' next()).
 */
export type Refillable<T> = { -readonly [F in keyof T]: T[F] };
