import type * as pulumi from "@pulumi/pulumi";
import type { Labels } from "./labels.ts";

/**
 * What a component placed in the stack's project takes besides its own args: where, under which name prefix, with
 * which governance labels (checked by validateLabels before anything is created), after what.
 */
export interface ComponentArgs {
  project: string;
  /** The stack's prefix of every resource name, e.g. "orion-prod". */
  prefix: string;
  /** The region the component's resources live in. */
  region: string;
  labels: Labels;
  /** Resources that must exist first (each component names which in its own doc). */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}
