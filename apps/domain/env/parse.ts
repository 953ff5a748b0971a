import type { z } from "zod";

/**
 * A variable of the env contract that is missing or malformed. The message is one line, "<VARIABLE> <what is wrong
 * and what it must be>"; `orion run` prints it and exits 2 before connecting to anything.
 */
export class EnvError extends Error {
  override readonly name = "EnvError";

  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`${variable} ${reason}`);
  }
}

/** What a variable must be, from its schema's description (the contract documents itself). */
function described(schema: z.AnyZodObject, variable: string): string {
  const field = schema.shape[variable] as z.ZodTypeAny | undefined;
  return field?.description ? `: it must be ${field.description}` : "";
}

/** Parses one bot's env; throws EnvError naming the first variable at fault. Values are never echoed (secrets). */
export function parseEnv<S extends z.AnyZodObject>(schema: S, env: NodeJS.ProcessEnv): z.output<S> {
  const r = schema.safeParse(env);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const variable = String(issue?.path[0] ?? "environment");
  if (issue?.code === "invalid_type" && issue.received === "undefined") {
    throw new EnvError(variable, `is not set${described(schema, variable)}`);
  }
  throw new EnvError(variable, issue?.message ?? "is malformed");
}
