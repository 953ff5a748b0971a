import * as pulumi from "@pulumi/pulumi";
import { normalizeValue, REDACTED } from "../../policies/evaluator/normalize.ts";
import { mocksFor } from "./mocks.ts";

/** One registered resource, as the program registered it. */
export interface Registration {
  urn: string;
  type: string;
  name: string;
  parent: string | null;
  custom: boolean;
  protect: boolean;
  inputs: Record<string, unknown>;
  /** URNs of the resources this one waits for (explicit dependsOn and the outputs its inputs use). */
  dependencies: string[];
}

export interface OfflineRun {
  /** Pulumi project and stack names (they appear in URNs). */
  project: string;
  stack: string;
  /** The GCP project the mocks put in ids, self links and emails. */
  gcpProject: string;
  /** Pulumi config ("ns:key" -> string value) the program and providers read. */
  config?: Record<string, string>;
  /** Config keys Pulumi must treat as secret. */
  secretKeys?: string[];
}

/** Offline, a secret's value is never shown: it stands as this marker (the evaluator's own, so plan and report agree). */
export const SECRET_MARKER = REDACTED;

/** Wire values to plain JSON: the policy evaluator's normaliser, so the plan and the report read values alike. */
export const plainValue = normalizeValue;

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getProtect(): boolean | undefined;
  getDependenciesList(): string[];
  getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
}
interface RegisterResponse {
  getUrn(): string;
}
type Callback = (err: Error | null, response?: RegisterResponse) => void;
interface Monitor {
  registerResource(req: RegisterRequest, callback: Callback): void;
}

// The Pulumi runtime is process-global: runs go one at a time, each on a fresh mock monitor.
let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs `build` under Pulumi's mocks (realistic GCP outputs) and returns every resource it registered, components
 * included, in registration order, once all registrations have completed. Default providers are left out: they are
 * the engine's, not the program's. Safe to call repeatedly; concurrent calls wait their turn.
 *
 * Errors raised during a run carry their message but no stack (set PULUMI_DEBUG_PROMISE_LEAKS=1 to get stacks back):
 * Pulumi stamps every promise it makes with `new Error().stack`, for a leak report that only that variable shows, and
 * capturing and source-mapping those stacks was nearly all of a run's CPU under vitest (7 runs of the prod program
 * in program.test.ts: 5.4 of 5.5 s). Like the Pulumi runtime, the limit is process-wide while a run lasts.
 */
export function runOffline(run: OfflineRun, build: () => void | Promise<void>): Promise<Registration[]> {
  const next = queue.then(() => withoutStacks(() => runOnce(run, build)));
  queue = next.catch(() => undefined);
  return next;
}

async function withoutStacks<T>(fn: () => Promise<T>): Promise<T> {
  if (process.env.PULUMI_DEBUG_PROMISE_LEAKS) return fn();
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return await fn();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

async function runOnce(run: OfflineRun, build: () => void | Promise<void>): Promise<Registration[]> {
  await pulumi.runtime.setMocks(mocksFor(run.gcpProject), run.project, run.stack, false);
  pulumi.runtime.setAllConfig(run.config ?? {}, run.secretKeys ?? []);

  const resources: Registration[] = [];
  const failures: Error[] = [];
  const monitor = pulumi.runtime.getMonitor() as unknown as Monitor;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    register(req, (err, response) => {
      if (err) failures.push(err);
      else if (response && !(req.getType().startsWith("pulumi:providers:") && req.getName().startsWith("default"))) {
        resources.push({
          urn: response.getUrn(),
          type: req.getType(),
          name: req.getName(),
          parent: req.getParent() || null,
          custom: req.getCustom(),
          protect: req.getProtect() === true,
          inputs: normalizeValue(req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>,
          dependencies: req.getDependenciesList(),
        });
      }
      callback(err, response);
    });
  };
  try {
    await build();
  } finally {
    await pulumi.runtime.disconnect();
  }
  const failure = failures[0];
  if (failure) throw new Error(`a resource failed to register offline: ${failure.message.split("\n")[0]}`);
  return resources;
}

export const STACK_TYPE = "pulumi:pulumi:Stack";

/**
 * The URNs the Pulumi engine gives the same resources: every resource sits under the stack's root resource and its
 * URN carries its ancestors' whole type chain (the mock monitor keeps only the parent's type). The root comes first,
 * as in `pulumi preview`, so `pulumi up --target URN` and `pulumi state delete URN` accept URNs from a plan.
 */
export function withEngineUrns(resources: readonly Registration[], project: string, stack: string): Registration[] {
  const rootUrn = `urn:pulumi:${stack}::${project}::${STACK_TYPE}::${project}-${stack}`;
  const byMockUrn = new Map(resources.map((r) => [r.urn, r]));
  const chains = new Map<string, string>();
  const chainOf = (r: Registration): string => {
    const known = chains.get(r.urn);
    if (known !== undefined) return known;
    const parent = r.parent ? byMockUrn.get(r.parent) : undefined;
    if (r.parent && !parent) throw new Error(`${r.urn}: parent ${r.parent} was not registered`);
    const chain = `${parent ? chainOf(parent) : STACK_TYPE}$${r.type}`;
    chains.set(r.urn, chain);
    return chain;
  };
  const engineUrn = (r: Registration): string => `urn:pulumi:${stack}::${project}::${chainOf(r)}::${r.name}`;
  const root: Registration = {
    urn: rootUrn,
    type: STACK_TYPE,
    name: `${project}-${stack}`,
    parent: null,
    custom: false,
    protect: false,
    inputs: {},
    dependencies: [],
  };
  const engineUrnOf = (mockUrn: string): string => {
    const r = byMockUrn.get(mockUrn);
    return r ? engineUrn(r) : mockUrn;
  };
  return [
    root,
    ...resources.map((r) => {
      const parent = r.parent ? byMockUrn.get(r.parent) : undefined;
      return {
        ...r,
        urn: engineUrn(r),
        parent: parent ? engineUrn(parent) : rootUrn,
        dependencies: [...new Set(r.dependencies.map(engineUrnOf))],
      };
    }),
  ];
}
