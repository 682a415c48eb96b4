/**
 * `taskpoll/bullmq`: durable waits on BullMQ. A producer adds waits to a queue and reads their
 * outcome; worker processes, which hold the adapters and so the credentials, poll each wait once per
 * job activation and park it in BullMQ's delayed set until its next poll, so waits survive restarts
 * and spread over workers. Needs `bullmq` (an optional peer dependency, `^6.7.0`).
 *
 * @module
 */
export { createWaitQueue, DEFAULT_QUEUE_NAME, KEEP_FINISHED_MS } from './queue.js';
export type { AddedWait, WaitQueue, WaitQueueOptions } from './queue.js';
export type { ResultOptions, WaitProgress } from './results.js';
export { startWaitWorker, WAIT_LOCK_MS, WAIT_STALLED_INTERVAL_MS } from './worker.js';
export type { WaitWorker, WaitWorkerOptions } from './worker.js';
export type { DurableWaitOptions } from './data.js';
