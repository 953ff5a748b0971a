import * as pulumi from "@pulumi/pulumi";
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

/** Offline, a secret's value is never shown: it stands as this marker. */
export const SECRET_MARKER = "[secret]";

// The special signatures of Pulumi's wire format (sdk/nodejs/runtime/rpc.ts).
const SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
const OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Wire values to plain JSON: secrets become "[secret]", resource references their id (or URN). */
export function plainValue(value: unknown): unknown {
  if (value === UNKNOWN) return "[unknown]";
  if (Array.isArray(value)) return value.map(plainValue);
  if (value === null || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  switch (record[SIG]) {
    case SECRET_SIG:
      return SECRET_MARKER;
    case RESOURCE_SIG:
      return record.id ?? record.urn;
    case OUTPUT_SIG:
      return record.secret === true ? SECRET_MARKER : plainValue(record.value);
  }
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, plainValue(v)]));
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getProtect(): boolean | undefined;
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
 */
export function runOffline(run: OfflineRun, build: () => void | Promise<void>): Promise<Registration[]> {
  const next = queue.then(() => runOnce(run, build));
  queue = next.catch(() => undefined);
  return next;
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
          inputs: plainValue(req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>,
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
  };
  return [
    root,
    ...resources.map((r) => {
      const parent = r.parent ? byMockUrn.get(r.parent) : undefined;
      return { ...r, urn: engineUrn(r), parent: parent ? engineUrn(parent) : rootUrn };
    }),
  ];
}
