import type { Severity } from "@pulumi/policy";
import type { Evaluation, Finding } from "../evaluator/evaluate.ts";
import type { Source, SourceKind } from "../evaluator/resource.ts";
import { isEvaluable, stackUrnOf } from "../evaluator/resource.ts";
import type { Pack } from "../packs.ts";
import type { Framework, FrameworkRefs } from "../types.ts";

export type ControlStatus = "pass" | "fail" | "not-applicable";

/** The compliance report (DESIGN.md "Compliance report"); `summary.unchecked` and `unchecked` are additions. */
export interface ComplianceReport {
  generatedAt: string;
  source: { kind: SourceKind; stack: string | null; file: string | null };
  frameworks: Framework[];
  summary: {
    resources: number;
    controls: number;
    violations: number;
    mandatory: number;
    advisory: number;
    unchecked: number;
  };
  controls: Array<{
    id: string;
    title: string;
    frameworks: FrameworkRefs;
    status: ControlStatus;
    checked: number;
    failed: number;
    /** Not in the fixed schema's example, but an auditor's first question: what fixes it. */
    remediation: string;
  }>;
  violations: Array<{
    control: string;
    policy: string;
    enforcementLevel: "mandatory" | "advisory";
    severity: Severity;
    urn: string;
    type: string;
    name: string;
    message: string;
  }>;
  /** Resource types no policy of the pack looks at, with how many resources of each. */
  unchecked: Array<{ type: string; count: number }>;
}

const CONTROL_PREFIX = /^([A-Z0-9]+-\d{3}): /;

/** The requirement a finding states, without the policy description the engine prepends. */
function requirementOf(f: Finding): { control: string | undefined; text: string } {
  if (f.unknown) return { control: undefined, text: f.diagnostic.message };
  const body = f.diagnostic.message.slice(f.diagnostic.description.length + 1);
  const m = CONTROL_PREFIX.exec(body);
  return m ? { control: m[1], text: body.slice(m[0].length) } : { control: undefined, text: body };
}

export interface BuildReportInput {
  readonly pack: Pack;
  readonly source: Source;
  readonly evaluation: Evaluation;
  readonly now?: Date;
}

export function buildReport({ pack, source, evaluation, now = new Date() }: BuildReportInput): ComplianceReport {
  const selected = new Set(pack.controls.map((c) => c.id));
  const byUrn = new Map(source.resources.map((r) => [r.urn, r]));
  const rootUrn = stackUrnOf(source.resources);

  const violations: ComplianceReport["violations"] = [];
  const failedUrns = new Map<string, Set<string>>();
  for (const f of evaluation.findings) {
    const { control, text } = requirementOf(f);
    const controls = control !== undefined ? [control] : f.policy.controls;
    const urn = f.resourceUrn;
    const resource = byUrn.get(urn);
    for (const id of controls.filter((c) => selected.has(c))) {
      // A control that could not be checked (a value unknown during preview) is not shown to pass.
      const set = failedUrns.get(id) ?? new Set<string>();
      set.add(urn);
      failedUrns.set(id, set);
      violations.push({
        control: id,
        policy: f.policy.name,
        enforcementLevel: f.diagnostic.enforcementLevel === "mandatory" ? "mandatory" : "advisory",
        severity: f.diagnostic.severity ?? f.policy.severity,
        urn,
        type: resource?.type ?? (urn === rootUrn ? "pulumi:pulumi:Stack" : "unknown"),
        name: resource?.name ?? (urn === rootUrn ? `${source.project ?? "unknown"}-${source.stack ?? "unknown"}` : urn),
        message: text,
      });
    }
  }
  const order = new Map(pack.controls.map((c, i) => [c.id, i]));
  violations.sort(
    (a, b) =>
      (order.get(a.control) ?? 0) - (order.get(b.control) ?? 0) ||
      a.urn.localeCompare(b.urn) ||
      a.message.localeCompare(b.message),
  );

  const controls = pack.controls.map((c) => {
    const checked = new Set<string>();
    for (const p of pack.policies.filter((p) => p.controls.includes(c.id))) {
      for (const urn of evaluation.examined.get(p.name) ?? []) checked.add(urn);
    }
    const failed = failedUrns.get(c.id)?.size ?? 0;
    const status: ControlStatus = failed > 0 ? "fail" : checked.size > 0 ? "pass" : "not-applicable";
    return {
      id: c.id,
      title: c.title,
      frameworks: c.frameworks,
      status,
      checked: checked.size,
      failed,
      remediation: c.remediation,
    };
  });

  const uncheckedCounts = new Map<string, number>();
  for (const r of evaluation.unchecked) uncheckedCounts.set(r.type, (uncheckedCounts.get(r.type) ?? 0) + 1);
  const mandatory = violations.filter((v) => v.enforcementLevel === "mandatory").length;

  return {
    generatedAt: now.toISOString(),
    source: { kind: source.kind, stack: source.stack, file: source.file },
    frameworks: [...pack.frameworks],
    summary: {
      resources: source.resources.filter(isEvaluable).length,
      controls: controls.length,
      violations: violations.length,
      mandatory,
      advisory: violations.length - mandatory,
      unchecked: evaluation.unchecked.length,
    },
    controls,
    violations,
    unchecked: [...uncheckedCounts]
      .map(([type, count]) => ({ type, count }))
      .sort((a, b) => a.type.localeCompare(b.type)),
  };
}
