import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { normalizeProps } from "../normalize.ts";
import { SourceError, type Source } from "../resource.ts";

/** The offline capture's result (stacks/offline/capture.ts), checked at this edge like any other input. */
const planCapture = z.object({
  stack: z.string(),
  project: z.string(),
  resources: z.array(
    z.object({
      urn: z.string(),
      type: z.string(),
      name: z.string(),
      parent: z.string().nullable(),
      custom: z.boolean(),
      protect: z.boolean(),
      inputs: z.record(z.unknown()),
      dependencies: z.array(z.string()).default([]),
    }),
  ),
});

export interface ProgramOptions {
  transformations?: pulumi.ResourceTransformation[];
  config?: Record<string, unknown>;
}

type CaptureStack = (stack: string, options?: ProgramOptions) => Promise<unknown>;

async function loadCapture(): Promise<CaptureStack> {
  let mod: { captureStack?: unknown };
  try {
    // Loaded on use: the program pulls in @pulumi/gcp, which reading an export or a preview can do without.
    mod = (await import("../../../stacks/offline/capture.ts")) as { captureStack?: unknown };
  } catch (err) {
    throw new SourceError(
      "stacks/offline/capture.ts",
      `cannot load the offline capture (${(err as Error).message.split("\n")[0]})`,
    );
  }
  if (typeof mod.captureStack !== "function") {
    throw new SourceError("stacks/offline/capture.ts", "exports no captureStack function");
  }
  return mod.captureStack as CaptureStack;
}

/** Runs the Pulumi program for `stack` under mocks and returns what it registered (inputs, secrets redacted). */
export async function readProgram(stack: string, options: ProgramOptions = {}): Promise<Source> {
  const captureStack = await loadCapture();
  let raw: unknown;
  try {
    raw = await captureStack(stack, options);
  } catch (err) {
    throw new SourceError(`stack ${stack}`, (err as Error).message.split("\n")[0] ?? "the program failed");
  }
  const parsed = planCapture.safeParse(raw);
  if (!parsed.success)
    throw new SourceError(`stack ${stack}`, `capture returned an unexpected shape: ${parsed.error.issues[0]?.message}`);
  const resources = parsed.data.resources.map((r) => {
    const inputs = normalizeProps(r.inputs);
    return { ...r, inputs, outputs: inputs };
  });
  return { kind: "program", stack: parsed.data.stack, project: parsed.data.project, file: null, resources };
}
