import type { Command } from "commander";
import { z } from "zod";
import { startApiServer } from "../../api/index.ts";
import { InputError } from "../errors.ts";
import { onInterrupt } from "../interrupts.ts";

const flags = z
  .object({
    port: z
      .string()
      .regex(/^\d+$/, "--port must be a whole number")
      .transform(Number)
      .refine((p) => p <= 65_535, "--port must be at most 65535"),
    host: z.string().min(1),
  })
  .strict();

export async function runApi(raw: Record<string, unknown>): Promise<void> {
  const parsed = flags.safeParse(raw);
  if (!parsed.success) throw new InputError(`orion api: ${parsed.error.issues[0]?.message ?? "invalid flags"}`);
  if (!process.env.DATABASE_URL || !process.env.REDIS_URL) {
    throw new InputError("orion api: set DATABASE_URL (PostgreSQL) and REDIS_URL (Redis)");
  }
  const api = await startApiServer({ port: parsed.data.port, host: parsed.data.host });
  process.stderr.write(`orion api: control plane on ${api.url} (OpenAPI at ${api.url}/docs)\n`);
  // Listening until the server has closed: a copy of the signal (npx forwards it) must not end the close midway.
  let stopListening: () => void = () => undefined;
  await new Promise<void>((resolve) => {
    stopListening = onInterrupt(resolve);
  });
  try {
    await api.close();
  } finally {
    stopListening();
  }
}

export function configure(command: Command): void {
  command
    .option("--port <port>", "TCP port", "8080")
    .option("--host <host>", "address to bind", "127.0.0.1")
    .action((opts: Record<string, unknown>) => runApi(opts));
}
