/** How often a worker says it is alive (main.ts), and the primary checks (primary.ts). */
export const ALIVE_EVERY_MS = 1000;
