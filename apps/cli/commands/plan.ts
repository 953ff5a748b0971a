import type { Command } from "commander";
import { z } from "zod";
import { CheckFailed, InputError } from "../errors.ts";

const flags = z.object({ stack: z.string().min(1), json: z.boolean().default(false) }).strict();

/** `orion plan --stack NAME [--json]`: what the stack's program would create, run offline under Pulumi's mocks. */
export function configure(command: Command): void {
  command
    .requiredOption("--stack <name>", "stack name: a stacks/Pulumi.<name>.yaml file (dev, staging, prod)")
    .option("--json", "machine-readable output: { stack, project, resources, summary }")
    .action(async (options: unknown) => {
      const f = flags.parse(options);
      // Loaded on use: the program pulls in @pulumi/gcp, which every other command can do without.
      const [
        { StackConfigError },
        { captureStack },
        { StackNotFound },
        { renderPlan, summarize },
        { checkFeasibility },
      ] = await Promise.all([
        import("../../../stacks/config.ts"),
        import("../../../stacks/offline/capture.ts"),
        import("../../../stacks/offline/stack-file.ts"),
        import("../../../stacks/offline/summary.ts"),
        import("../../../policies/feasibility-check.ts"),
      ]);
      let plan;
      try {
        plan = await captureStack(f.stack);
      } catch (err) {
        if (err instanceof StackNotFound || err instanceof StackConfigError) throw new InputError(err.message);
        throw err;
      }
      // The contract's resource fields; dependencies stay in the capture, where the feasibility rules read them.
      const resources = plan.resources.map(({ dependencies: _, ...r }) => r);
      const text = f.json
        ? JSON.stringify({ ...plan, resources, summary: summarize(plan.resources) }, null, 2) + "\n"
        : renderPlan(plan.stack, plan.project, plan.resources);
      process.stdout.write(text);
      // A plan the cloud would refuse is not a plan: each finding on stderr, then exit 1.
      const infeasible = await checkFeasibility(plan.resources.map((r) => ({ ...r, outputs: r.inputs })));
      for (const x of infeasible) process.stderr.write(`infeasible: ${x.urn}: ${x.message}\n`);
      if (infeasible.length > 0) {
        throw new CheckFailed(`stack ${f.stack}: ${infeasible.length} configuration(s) the cloud would refuse`);
      }
    });
}
