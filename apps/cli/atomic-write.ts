import { randomBytes } from "node:crypto";
import { rename, rm, writeFile } from "node:fs/promises";
import { InputError } from "./errors.ts";

/** Writes next to the target and renames over it, so a reader never sees half a file. */
export async function writeAtomically(file: string, text: string, what: string): Promise<void> {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(temp, text, { encoding: "utf8", mode: 0o644 });
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw new InputError(
      `${file}: cannot write ${what} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
}
