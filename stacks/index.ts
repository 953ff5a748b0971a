// The Pulumi program (Pulumi.yaml `main: stacks/`): the stack's config, validated, builds one Platform.
import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig } from "./config.ts";
import { buildPlatform } from "./program.ts";

/** Pulumi hands structured config values over as JSON text; the schema wants them parsed. */
function readConfig(): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
    try {
      raw[key] = JSON.parse(value);
    } catch {
      raw[key] = value;
    }
  }
  return raw;
}

// Secret keys arrive decrypted here; buildPlatform wraps them in pulumi.secret before any resource sees them.
const platform = buildPlatform(parseStackConfig(readConfig(), `Pulumi.${pulumi.getStack()}.yaml`));

export const loadBalancerIp = platform.loadBalancerIp;
export const primaryConnectionName = platform.primaryConnectionName;
export const connectionNames = platform.connectionNames;
export const apiServices = platform.apiServices;
export const workloadIdentityProvider = platform.workloadIdentityProvider;
export const deployerEmail = platform.deployerEmail;
export const previewerEmail = platform.previewerEmail;
