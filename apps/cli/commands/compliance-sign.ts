import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { z } from "zod";
import { complianceReportSchema } from "../../api/compliance-reports.ts";
import { importReportSigningKey, signReport } from "../../api/report-trust.ts";
import { writeAtomically } from "../atomic-write.ts";
import { InputError } from "../errors.ts";

const flags = z
  .object({
    report: z.string().min(1),
    key: z.string().min(1).optional(),
    out: z.string().min(1).optional(),
  })
  .strict();

async function readInput(file: string, flag: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (err) {
    throw new InputError(`${flag} ${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? "error"})`);
  }
}

/**
 * `orion compliance sign`: CI's signature over a JSON compliance report, as `{"jws": …}`, the body POST
 * /compliance/reports takes and the only kind of report the live pre-flight trusts. The private key comes from
 * --key FILE or from ORION_REPORT_SIGNING_KEY (the CI secret, PEM); its public half is the API's
 * ORION_REPORT_PUBLIC_KEY.
 */
export async function runComplianceSign(raw: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env) {
  const parsed = flags.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputError(`--${issue?.path.join(".") ?? "?"}: ${issue?.message ?? "invalid"}`);
  }
  const f = parsed.data;
  const pem = f.key !== undefined ? await readInput(f.key, "--key") : env.ORION_REPORT_SIGNING_KEY;
  if (!pem) throw new InputError("give the signing key: --key FILE or ORION_REPORT_SIGNING_KEY (PEM PKCS8)");
  let signing;
  try {
    signing = await importReportSigningKey(pem);
  } catch (err) {
    throw new InputError(
      `${f.key !== undefined ? `--key ${f.key}` : "ORION_REPORT_SIGNING_KEY"}: ${(err as Error).message}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(await readInput(f.report, "--report"));
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`--report ${f.report}: not JSON (${(err as Error).message.split("\n")[0]})`);
  }
  // Checked against the report contract, then signed as read (unknown fields included).
  const checked = complianceReportSchema.safeParse(json);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new InputError(`--report ${f.report}: ${issue?.path.join(".") || "report"}: ${issue?.message ?? "invalid"}`);
  }
  const text = JSON.stringify(await signReport(json, signing)) + "\n";
  if (f.out !== undefined) await writeAtomically(f.out, text, "the signed report");
  else process.stdout.write(text);
}

export function configureSign(compliance: Command): void {
  compliance
    .command("sign")
    .description(
      'Sign a JSON report (orion compliance report --format json) as CI: writes {"jws": …} for POST /compliance/reports',
    )
    .requiredOption("--report <file>", "the JSON report to sign")
    .option("--key <file>", "PEM PKCS8 private key, Ed25519 or P-256 (default: $ORION_REPORT_SIGNING_KEY)")
    .option("--out <file>", "write the signed report here (atomically) instead of stdout")
    .action(async (opts: Record<string, unknown>) => runComplianceSign(opts));
}
