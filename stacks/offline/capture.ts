import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig, SECRET_KEYS } from "../config.ts";
import { buildPlatform } from "../program.ts";
import { mocksFor } from "./mocks.ts";
import { readStackFile, SECRET_PLACEHOLDER } from "./stack-file.ts";

export interface CapturedResource {
  urn: string;
  type: string;
  name: string;
  parent: string | null;
  custom: boolean;
  protect: boolean;
  inputs: Record<string, unknown>;
}

export interface PlanCapture {
  stack: string;
  project: string;
  resources: CapturedResource[];
}

export interface CaptureOptions {
  /** Passed as the Platform's resource option, so they reach every child. */
  transformations?: pulumi.ResourceTransformation[];
  /** Overrides merged over Pulumi.<stack>.yaml ("alpha-orion:regions": [...]). */
  config?: Record<string, unknown>;
}

export const PROJECT_NAME = "alpha-orion";

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
      return SECRET_PLACEHOLDER;
    case RESOURCE_SIG:
      return record.id ?? record.urn;
    case OUTPUT_SIG:
      return record.secret === true ? SECRET_PLACEHOLDER : plainValue(record.value);
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

// The Pulumi runtime is process-global: captures run one at a time, each on a fresh mock monitor.
let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs the stack's program under Pulumi's mocks and returns every resource it registers, components included, in
 * registration order. Default providers are left out: they are the engine's, not the program's.
 */
export function captureStack(stack: string, options: CaptureOptions = {}): Promise<PlanCapture> {
  const run = queue.then(() => captureOnce(stack, options));
  queue = run.catch(() => undefined);
  return run;
}

async function captureOnce(stack: string, options: CaptureOptions): Promise<PlanCapture> {
  const stackFile = await readStackFile(stack);
  const raw = { ...stackFile.config, ...(options.config ?? {}) };
  // A secret the file does not hold is unknown offline too: stand it in, so plans of stacks that need it still run.
  for (const key of SECRET_KEYS) if (raw[key] === undefined && needsSecret(raw, key)) raw[key] = SECRET_PLACEHOLDER;
  const config = parseStackConfig(raw, stackFile.file);

  await pulumi.runtime.setMocks(mocksFor(config.project), PROJECT_NAME, stack, false);
  const secretKeys = [...stackFile.secretKeys, ...SECRET_KEYS.filter((k) => raw[k] !== undefined)];
  pulumi.runtime.setAllConfig(
    Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])),
    secretKeys,
  );

  const resources: CapturedResource[] = [];
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
    buildPlatform(config, options.transformations ? { transformations: options.transformations } : undefined);
  } finally {
    await pulumi.runtime.disconnect();
  }
  const failure = failures[0];
  if (failure) throw new Error(`${stackFile.file}: the program failed offline: ${failure.message.split("\n")[0]}`);
  return { stack, project: PROJECT_NAME, resources };
}

function needsSecret(raw: Record<string, unknown>, key: string): boolean {
  return key === "alpha-orion:pagerdutyServiceKey" && raw["alpha-orion:pagerduty"] === true;
}
