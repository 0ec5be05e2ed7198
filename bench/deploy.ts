/**
 * `npm run bench -- deploy [components]`: deploys and starts a plan of 10,000 components
 * (a root Compound of 100 Compounds of 99 Prims each) on an embedded component host, then
 * terminates it; prints the deploy, start and terminate times, the events emitted and the
 * peak memory. Baseline, measured in the same run: the same work for a plan ten times
 * smaller, to show how the cost scales per component. Target: deploy + start ≤ 1 s. The CPU
 * time of deploy + start is printed too, as the machine may be shared.
 */
import * as os from 'node:os';
import { performance } from 'node:perf_hooks';
import type { DeploymentPlan, PlanNode } from '../core/plan-types.js';
import { ComponentHost } from '../runtime/index.js';
import { createStandardRegistry } from '../stdlib/index.js';

function buildPlan(total: number): DeploymentPlan {
  const groups = Math.max(1, Math.round(Math.sqrt(total)));
  const perGroup = Math.max(1, Math.round((total - 1) / groups) - 1);
  const root: PlanNode = { name: 'sfConfig', path: 'sfConfig', type: 'Compound', host: '', attributes: [['sfClass', 'Compound'], ['sfLivenessDelay', 15]], lazy: [], children: [] };
  for (let g = 0; g < groups; g++) {
    const gp = `sfConfig:g${g}`;
    const group: PlanNode = { name: `g${g}`, path: gp, type: 'Compound', host: '', attributes: [['sfClass', 'Compound']], lazy: [], children: [] };
    for (let i = 0; i < perGroup; i++) {
      group.children.push({
        name: `p${i}`,
        path: `${gp}:p${i}`,
        type: 'Prim',
        host: '',
        attributes: [['sfClass', 'Prim'], ['index', i], ['label', `component ${i}`], ['peer', { $ref: 'ROOT:sfLivenessDelay', lazy: true }]],
        lazy: ['peer'],
        children: [],
      });
    }
    root.children.push(group);
  }
  return { format: 1, id: '', name: 'bench', source: '', root };
}

function count(n: PlanNode): number {
  return 1 + n.children.reduce((s, c) => s + count(c), 0);
}

interface Figures {
  components: number;
  deployMs: number;
  startMs: number;
  terminateMs: number;
  events: number;
  /** CPU time of deploy + start (this process, garbage collection threads included). */
  cpuMs: number;
}

async function measure(total: number): Promise<Figures> {
  const plan = buildPlan(total);
  const host = new ComponentHost({ registry: createStandardRegistry(), peer: 'bench' });
  let events = 0;
  let deployedAt = 0;
  host.events.subscribe((e) => {
    events++;
    if (e.subject === 'sfConfig' && e.event === 'deployed') deployedAt = performance.now();
  });
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await host.deploy(plan);
  const t1 = performance.now();
  const cpu = process.cpuUsage(c0);
  if (!r.root || r.root.state !== 'running') throw new Error(`the plan did not start: ${JSON.stringify(await r.terminated)}`);
  await r.root.sfTerminate();
  const t2 = performance.now();
  return { components: count(plan.root), deployMs: deployedAt - t0, startMs: t1 - deployedAt, terminateMs: t2 - t1, events, cpuMs: (cpu.user + cpu.system) / 1000 };
}

const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

export async function main(args: string[]): Promise<void> {
  const total = Number(args[0] ?? 10_000);
  await measure(1_000); // warm-up: JIT and module loading
  const base = await measure(Math.round(total / 10));
  const main = await measure(total);
  const peak = process.resourceUsage().maxRSS / 1024;
  const heap = process.memoryUsage().heapUsed / 1024 / 1024;
  const per = (f: Figures) => ((f.deployMs + f.startMs) * 1000) / f.components;
  console.log(`components            ${main.components}`);
  console.log(`deploy                ${fmt(main.deployMs)}`);
  console.log(`start                 ${fmt(main.startMs)}`);
  console.log(`deploy + start        ${fmt(main.deployMs + main.startMs)}   (target ≤ 1000 ms)`);
  console.log(`  CPU time             ${fmt(main.cpuMs)}   (load average ${os.loadavg()[0]!.toFixed(1)})`);
  console.log(`terminate             ${fmt(main.terminateMs)}`);
  console.log(`events                ${main.events}`);
  console.log(`peak RSS              ${peak.toFixed(0)} MB   (heap used now ${heap.toFixed(0)} MB)`);
  console.log(`baseline (${base.components} components): deploy + start ${fmt(base.deployMs + base.startMs)} (CPU ${fmt(base.cpuMs)}), terminate ${fmt(base.terminateMs)}`);
  console.log(`per component         ${per(main).toFixed(1)} µs vs ${per(base).toFixed(1)} µs at the baseline size (ratio ${(per(main) / per(base)).toFixed(2)})`);
}
