import { readFile } from "node:fs/promises";
import { SourceError } from "../resource.ts";

/** Reads and parses a JSON file, turning every failure into a SourceError naming the file and the reason. */
export async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SourceError(file, code === "ENOENT" ? "no such file" : `cannot read (${code ?? (err as Error).message})`);
  }
  if (text.trim() === "") throw new SourceError(file, "empty file (expected JSON)");
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new SourceError(file, `malformed or truncated JSON (${(err as Error).message})`);
  }
}

/** "deployment.resources[3].inputs: Required" from a zod issue path. */
export function fieldPath(path: ReadonlyArray<string | number>): string {
  return path.reduce<string>((acc, p) => (typeof p === "number" ? `${acc}[${p}]` : acc === "" ? p : `${acc}.${p}`), "");
}
