export * from './actions.js';
export * from './common.js';
export * from './errors.js';
export * from './events.js';
export * from './http.js';
export * from './limits.js';
export * from './redis-keys.js';
