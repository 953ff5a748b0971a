import type * as pulumi from "@pulumi/pulumi";
import { runOffline, SECRET_MARKER, withEngineUrns, type Registration } from "../../components/common/offline.ts";
import { parseStackConfig, SECRET_KEYS } from "../config.ts";
import { buildPlatform } from "../program.ts";
import { readStackFile } from "./stack-file.ts";

export type CapturedResource = Registration;

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

/** The Pulumi project (Pulumi.yaml `name`). */
export const PROJECT_NAME = "alpha-orion";

/**
 * Runs the stack's program under Pulumi's mocks with Pulumi.<stack>.yaml (plus overrides) and returns every resource
 * it registers, components and the stack's root included, with the URNs the engine would give them. A bad stack name, file or config throws StackNotFound or StackConfigError.
 */
export async function captureStack(stack: string, options: CaptureOptions = {}): Promise<PlanCapture> {
  const stackFile = await readStackFile(stack);
  const raw = { ...stackFile.config, ...(options.config ?? {}) };
  // A secret the stack needs but the file lacks is unknown offline anyway: stand it in, so the plan still runs.
  if (raw["alpha-orion:pagerduty"] === true && raw["alpha-orion:pagerdutyServiceKey"] === undefined) {
    raw["alpha-orion:pagerdutyServiceKey"] = SECRET_MARKER;
  }
  const config = parseStackConfig(raw, stackFile.file);
  const resources = await runOffline(
    {
      project: PROJECT_NAME,
      stack,
      gcpProject: config.project,
      config: Object.fromEntries(
        Object.entries(raw).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
      ),
      secretKeys: [...stackFile.secretKeys, ...SECRET_KEYS.filter((k) => raw[k] !== undefined)],
    },
    () => {
      buildPlatform(config, options.transformations ? { transformations: options.transformations } : undefined);
    },
  );
  return { stack, project: PROJECT_NAME, resources: withEngineUrns(resources, PROJECT_NAME, stack) };
}
