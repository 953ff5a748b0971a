import { Option, type Command } from "commander";
import { z } from "zod";
import type { SourceSpec } from "../../../policies/compliance.ts";
import { PolicyConfigError } from "../../../policies/config.ts";
import { SourceError } from "../../../policies/evaluator/resource.ts";
import { POLICY_PACK_VERSION } from "../../../policies/pack-version.ts";
import { PACK_NAMES } from "../../../policies/packs.ts";
import { FORMATS, render } from "../../../policies/report/render.ts";
import { writeAtomically } from "../atomic-write.ts";
import { configureSign } from "./compliance-sign.ts";
import { CheckFailed, InputError } from "../errors.ts";

const flags = z
  .object({
    stack: z.string().min(1).optional(),
    export: z.string().min(1).optional(),
    preview: z.string().min(1).optional(),
    framework: z.enum(PACK_NAMES),
    format: z.enum(FORMATS),
    out: z.string().min(1).optional(),
    policyPackConfig: z.string().min(1).optional(),
  })
  .strict();
type Flags = z.infer<typeof flags>;

function sourceOf(f: Flags): SourceSpec {
  if (f.export !== undefined && f.preview !== undefined)
    throw new InputError("give only one of --export FILE and --preview FILE");
  if (f.export !== undefined) return { kind: "export", file: f.export };
  if (f.preview !== undefined) return { kind: "preview", file: f.preview };
  if (f.stack !== undefined) return { kind: "program", stack: f.stack };
  throw new InputError("name what to check: --stack NAME, --export FILE or --preview FILE");
}

export async function runComplianceReport(raw: Record<string, unknown>): Promise<void> {
  const parsed = flags.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputError(`--${issue?.path.join(".") ?? "?"}: ${issue?.message ?? "invalid"}`);
  }
  const f = parsed.data;
  const source = sourceOf(f);
  // Loaded on use: the evaluator pulls in the Pulumi SDK, which no other command needs.
  const { complianceReport } = await import("../../../policies/compliance.ts");
  let report;
  try {
    report = await complianceReport({
      source,
      framework: f.framework,
      stack: f.stack,
      policyPackConfig: f.policyPackConfig,
    });
  } catch (err) {
    if (err instanceof SourceError || err instanceof PolicyConfigError) throw new InputError(err.message);
    throw err;
  }
  const text = render(report, f.format, POLICY_PACK_VERSION);
  if (f.out !== undefined) await writeAtomically(f.out, text, "the report");
  else process.stdout.write(text);
  const { mandatory, advisory } = report.summary;
  if (mandatory > 0) {
    throw new CheckFailed(`${mandatory} mandatory violation${mandatory === 1 ? "" : "s"} (${advisory} advisory)`);
  }
}

export function configure(compliance: Command): void {
  compliance
    .command("report")
    .description("Evaluate a policy pack over the program, an exported state or a preview, and report per control")
    .option(
      "--stack <name>",
      "run the program for this stack offline; with --export/--preview, use its enforcement levels",
    )
    .option("--export <file>", "a `pulumi stack export` file (deployment version 3)")
    .option("--preview <file>", "a `pulumi preview --json` file")
    .addOption(new Option("--framework <name>", "which pack").choices(PACK_NAMES).default("all"))
    .addOption(new Option("--format <format>", "report format").choices(FORMATS).default("json"))
    .option("--out <file>", "write the report here (atomically) instead of stdout")
    .option(
      "--policy-pack-config <file>",
      "enforcement levels and settings as `pulumi preview --policy-pack-config` reads them (policies/pack-config/)",
    )
    .action(async (opts: Record<string, unknown>) => runComplianceReport(opts));
  configureSign(compliance);
}
