import { z } from "zod";
import { normalizeProps } from "../normalize.ts";
import { parseUrn, SourceError, type EvalResource, type Source } from "../resource.ts";
import { fieldPath, readJsonFile } from "./json-file.ts";

/** The fields of a `pulumi stack export` (deployment version 3) resource the evaluator uses. */
export const stateResource = z
  .object({
    urn: z.string().startsWith("urn:pulumi:", "must be a Pulumi URN"),
    type: z.string().min(1),
    custom: z.boolean().default(false),
    inputs: z.record(z.unknown()).optional(),
    outputs: z.record(z.unknown()).optional(),
    parent: z.string().optional(),
    protect: z.boolean().optional(),
    delete: z.boolean().optional(),
    external: z.boolean().optional(),
    dependencies: z.array(z.string()).optional(),
  })
  .passthrough();
export type StateResource = z.infer<typeof stateResource>;

const exportSchema = z
  .object({
    version: z.number({ required_error: "version is missing (is this `pulumi stack export` output?)" }),
    deployment: z.object({ resources: z.array(stateResource).default([]) }).passthrough(),
  })
  .passthrough();

/** One state resource as the evaluator sees it; custom resources must carry their inputs. */
export function toEvalResource(r: StateResource, file: string, where: string): EvalResource {
  // A resource read with `get` (external) may have no inputs at all; a managed one always records what it was given.
  if (r.custom && r.external !== true && r.inputs === undefined) {
    throw new SourceError(file, `${where} (${r.urn}): custom resource has no inputs`);
  }
  const inputs = normalizeProps(r.inputs ?? {});
  const outputs = r.outputs !== undefined && Object.keys(r.outputs).length > 0 ? normalizeProps(r.outputs) : inputs;
  return {
    urn: r.urn,
    type: r.type,
    name: parseUrn(r.urn)?.name ?? r.urn,
    parent: r.parent ?? null,
    custom: r.custom,
    protect: r.protect ?? false,
    external: r.external === true,
    inputs,
    outputs,
    dependencies: r.dependencies ?? [],
  };
}

export async function readStackExport(file: string): Promise<Source> {
  const raw = await readJsonFile(file);
  const parsed = exportSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SourceError(file, `${fieldPath(issue?.path ?? []) || "(root)"}: ${issue?.message ?? "invalid"}`);
  }
  const { version, deployment } = parsed.data;
  if (version !== 3) throw new SourceError(file, `unknown deployment version ${version} (expected 3)`);
  const resources = deployment.resources
    // Resources pending deletion are leaving the stack; they are not what the stack is.
    .map((r, i) => ({ r, i }))
    .filter(({ r }) => r.delete !== true)
    .map(({ r, i }) => toEvalResource(r, file, `deployment.resources[${i}]`));
  const first = resources[0] ? parseUrn(resources[0].urn) : undefined;
  return { kind: "export", stack: first?.stack ?? null, project: first?.project ?? null, file, resources };
}
