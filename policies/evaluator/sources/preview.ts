import { z } from "zod";
import { parseUrn, SourceError, type EvalResource, type Source } from "../resource.ts";
import { stateResource, toEvalResource } from "./export.ts";
import { fieldPath, readJsonFile } from "./json-file.ts";

const previewSchema = z
  .object({
    steps: z.array(z.object({ op: z.string(), urn: z.string(), newState: stateResource.optional() }).passthrough(), {
      required_error: "steps is missing (is this `pulumi preview --json` output?)",
    }),
  })
  .passthrough();

/** The stack as a preview says it will be: every step's new state; deleted resources have none. */
export async function readPreview(file: string): Promise<Source> {
  const raw = await readJsonFile(file);
  const parsed = previewSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SourceError(file, `${fieldPath(issue?.path ?? []) || "(root)"}: ${issue?.message ?? "invalid"}`);
  }
  // A replacement shows up as several steps for one URN; the last new state is the one the stack ends with.
  const byUrn = new Map<string, EvalResource>();
  parsed.data.steps.forEach((step, i) => {
    if (step.newState === undefined || step.op === "delete" || step.op === "delete-replaced" || step.op === "discard")
      return;
    byUrn.set(step.urn, toEvalResource(step.newState, file, `steps[${i}].newState`));
  });
  const resources = [...byUrn.values()];
  const first = resources[0] ? parseUrn(resources[0].urn) : undefined;
  return { kind: "preview", stack: first?.stack ?? null, project: first?.project ?? null, file, resources };
}
