import type pg from "pg";
import { z } from "zod/v4";

/**
 * The parts of the compliance report contract (DESIGN.md) this store relies on; the rest is kept verbatim.
 * Reports come from `orion compliance report --format json`, through POST /compliance/reports or recordComplianceReport.
 */
export const complianceReportSchema = z
  .looseObject({
    generatedAt: z.iso.datetime({ offset: true }),
    source: z.looseObject({
      kind: z.enum(["program", "export", "preview"]),
      stack: z
        .string()
        .regex(/^[A-Za-z0-9._-]{1,100}$/, "must be a stack name")
        .nullable(),
    }),
    frameworks: z.array(z.string()),
    summary: z.looseObject({
      resources: z.number().int().min(0),
      controls: z.number().int().min(0),
      violations: z.number().int().min(0),
      mandatory: z.number().int().min(0),
      advisory: z.number().int().min(0),
    }),
    controls: z.array(z.looseObject({ id: z.string(), status: z.string() })),
    violations: z.array(z.looseObject({ control: z.string(), enforcementLevel: z.enum(["mandatory", "advisory"]) })),
  })
  .describe("a report of orion compliance report --format json (fields beyond these are kept as they are)");
export type ComplianceReport = z.infer<typeof complianceReportSchema>;

export interface StoredReport {
  id: number;
  stack: string;
  generatedAt: string;
  receivedAt: string;
  mandatory: number;
  /** Received as CI's signed JWS. */
  signed: boolean;
  report: ComplianceReport;
}

export function mandatoryViolations(report: ComplianceReport): number {
  return report.violations.filter((v) => v.enforcementLevel === "mandatory").length;
}

/** The newest signed report of a stack, as received (the JWS); its payload is re-verified by whoever relies on it. */
export async function latestSignedReport(pool: pg.Pool, stack: string): Promise<string | null> {
  const { rows } = await pool.query<{ jws: string }>(
    "SELECT jws FROM compliance_reports WHERE stack = $1 AND jws IS NOT NULL ORDER BY id DESC LIMIT 1",
    [stack],
  );
  return rows[0]?.jws ?? null;
}

/** Stores a report; mandatory violations are counted from the violations themselves, not trusted from the summary. */
export async function recordComplianceReport(
  pool: pg.Pool,
  input: unknown,
  jws: string | null = null,
): Promise<StoredReport> {
  const report = complianceReportSchema.parse(input);
  const mandatory = mandatoryViolations(report);
  const stack = report.source.stack ?? "unnamed";
  const { rows } = await pool.query<{ id: string; received_at: Date }>(
    `INSERT INTO compliance_reports (stack, generated_at, mandatory, report, jws) VALUES ($1, $2, $3, $4, $5)
     RETURNING id, received_at`,
    [stack, report.generatedAt, mandatory, JSON.stringify(report), jws],
  );
  const row = rows[0] as { id: string; received_at: Date };
  return {
    id: Number(row.id),
    stack,
    generatedAt: new Date(report.generatedAt).toISOString(),
    receivedAt: row.received_at.toISOString(),
    mandatory,
    signed: jws !== null,
    report,
  };
}

/** The newest report, for one stack or (null) across all stacks. */
export async function latestComplianceReport(pool: pg.Pool, stack: string | null): Promise<StoredReport | null> {
  const { rows } = await pool.query<{
    id: string;
    stack: string;
    generated_at: Date;
    received_at: Date;
    mandatory: number;
    jws: string | null;
    report: ComplianceReport;
  }>(`SELECT * FROM compliance_reports WHERE ($1::text IS NULL OR stack = $1) ORDER BY id DESC LIMIT 1`, [stack]);
  const r = rows[0];
  if (!r) return null;
  return {
    id: Number(r.id),
    stack: r.stack,
    generatedAt: r.generated_at.toISOString(),
    receivedAt: r.received_at.toISOString(),
    mandatory: r.mandatory,
    signed: r.jws !== null,
    report: r.report,
  };
}
