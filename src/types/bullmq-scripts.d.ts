/**
 * BullMQ ships its Lua scripts, includes resolved, as modules without type declarations in its
 * CommonJS build; the bridge reads moveToActive's text to run it several times per call (takeJobs.ts).
 */
declare module 'bullmq/dist/cjs/scripts/moveToActive-11' {
  export const moveToActive: { name: string; content: string; keys: number };
}
