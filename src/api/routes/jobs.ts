import { z } from 'zod';
import type { Scheduler } from '../../scheduler/index.js';
import type { ApiRouter } from '../api-router.js';
import { executionId, executionsQuery, historyQuery, executionView, jobName, jobView, runAccepted, updateJobBody } from '../schemas/jobs.js';

/**
 * /api/jobs: the scheduler's managed jobs, for administrators only. Runs are queued (202) and
 * carried out by whichever nasd process agenda hands them to; poll the execution for the outcome.
 */
export function jobsRoutes(router: ApiRouter, scheduler: Scheduler): void {
  router.route({ method: 'get', path: '/', summary: 'Managed jobs with settings, next run, last and current execution', auth: 'admin', response: z.object({ items: z.array(jobView) }) }, async () => ({
    items: await scheduler.list(),
  }));

  router.route(
    { method: 'get', path: '/executions', summary: 'Executions of every job, newest first (filters: job, status; limit, offset)', auth: 'admin', query: historyQuery, response: z.object({ items: z.array(executionView), total: z.number() }) },
    (_ctx, { query }) => scheduler.searchHistory({ job: query.job, status: query.status }, query.limit, query.offset),
  );

  router.route({ method: 'get', path: '/executions/:id', summary: 'One execution (poll it after a run)', auth: 'admin', params: executionId, response: executionView }, (_ctx, { params }) =>
    scheduler.execution(params.id),
  );

  router.route(
    { method: 'post', path: '/executions/:id/retry', summary: 'Run a failed execution again (409 unless it failed or while the job is active)', auth: 'admin', params: executionId, response: runAccepted, status: 202 },
    async (_ctx, { params, actor }) => ({ ...(await scheduler.retry(params.id, actor)), status: 'queued' as const }),
  );

  router.route({ method: 'get', path: '/:name', summary: 'One managed job', auth: 'admin', params: jobName, response: jobView }, (_ctx, { params }) => scheduler.get(params.name));

  router.route(
    { method: 'patch', path: '/:name', summary: 'Enable/disable a job or change its interval (ms or words, at least 1 minute)', auth: 'admin', params: jobName, body: updateJobBody, response: jobView },
    (_ctx, { params, body, actor }) => scheduler.update(params.name, body, actor),
  );

  router.route(
    { method: 'post', path: '/:name/run', summary: 'Run a job now, even when disabled (409 while it is queued or running)', auth: 'admin', params: jobName, response: runAccepted, status: 202 },
    async (_ctx, { params, actor }) => ({ ...(await scheduler.runNow(params.name, actor)), job: params.name, status: 'queued' as const }),
  );

  router.route(
    { method: 'get', path: '/:name/executions', summary: "A job's executions, newest first", auth: 'admin', params: jobName, query: executionsQuery, response: z.object({ items: z.array(executionView), total: z.number() }) },
    (_ctx, { params, query }) => scheduler.history(params.name, query.limit, query.offset),
  );
}
