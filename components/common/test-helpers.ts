import { runOffline, type Registration } from "./offline.ts";

/** The GCP project every component test builds into. */
export const TEST_PROJECT = "orion-test-project";
export const TEST_LABELS = { env: "test", owner: "platform-team", "data-classification": "confidential" } as const;

/** Builds under Pulumi's mocks and returns what was registered. */
export function build(fn: () => void): Promise<Registration[]> {
  return runOffline({ project: "alpha-orion", stack: "test", gcpProject: TEST_PROJECT }, fn);
}

/** Resources of a full type token, or custom resources whose token ends in `:${type}` ("DatabaseInstance"). */
export function ofType(resources: readonly Registration[], type: string): Registration[] {
  return resources.filter((r) => r.type === type || (r.custom && r.type.endsWith(`:${type}`)));
}

/** Reads a dotted path ("settings.ipConfiguration.sslMode") from a resource's inputs. */
export function at(resource: Registration | undefined, path: string): unknown {
  let value: unknown = resource?.inputs;
  for (const key of path.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** Every custom resource that takes labels carries the governance labels (GOV-001). */
export function unlabelled(resources: readonly Registration[]): string[] {
  return resources
    .filter((r) => r.custom)
    .filter((r) => {
      const labels = (at(r, "settings.userLabels") ??
        r.inputs.userLabels ??
        r.inputs.resourceLabels ??
        r.inputs.labels) as Record<string, string> | undefined;
      // A metric descriptor's `labels` lists label descriptors, not resource labels.
      if (labels === undefined || Array.isArray(labels)) return false;
      return !(labels.env && labels.owner && labels["data-classification"]);
    })
    .map((r) => r.name);
}
