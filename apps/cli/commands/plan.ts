import type { Command } from "commander";
import { z } from "zod";
import { InputError } from "../errors.ts";

const flags = z.object({ stack: z.string().min(1), json: z.boolean().default(false) }).strict();

/** `orion plan --stack NAME [--json]`: what the stack's program would create, run offline under Pulumi's mocks. */
export function configure(command: Command): void {
  command
    .requiredOption("--stack <name>", "stack name: a stacks/Pulumi.<name>.yaml file (dev, staging, prod)")
    .option("--json", "machine-readable output: { stack, project, resources, summary }")
    .action(async (options: unknown) => {
      const f = flags.parse(options);
      // Loaded on use: the program pulls in @pulumi/gcp, which every other command can do without.
      const [{ StackConfigError }, { captureStack }, { StackNotFound }, { renderPlan, summarize }] = await Promise.all([
        import("../../../stacks/config.ts"),
        import("../../../stacks/offline/capture.ts"),
        import("../../../stacks/offline/stack-file.ts"),
        import("../../../stacks/offline/summary.ts"),
      ]);
      let plan;
      try {
        plan = await captureStack(f.stack);
      } catch (err) {
        if (err instanceof StackNotFound || err instanceof StackConfigError) throw new InputError(err.message);
        throw err;
      }
      const text = f.json
        ? JSON.stringify({ ...plan, summary: summarize(plan.resources) }, null, 2) + "\n"
        : renderPlan(plan.stack, plan.project, plan.resources);
      process.stdout.write(text);
    });
}
