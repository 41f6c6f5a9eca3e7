export { fullJitter } from './backoff.js';
export { PapoClient } from './client.js';
export { Emitter } from './emitter.js';
export { PapoError } from './errors.js';
export type { HistoryPage, PageOptions } from './http.js';
export { memoryStorage } from './outbox.js';
export type * from './types.js';
