/** A resource as every source (program, export, preview) hands it to the evaluator. */
export interface EvalResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly parent: string | null;
  readonly custom: boolean;
  readonly protect: boolean;
  /** Read with `get`, not managed by the stack: stack policies see it, resource policies do not judge it. */
  readonly external?: boolean;
  /** What resource policies see: the inputs, as the engine's analyze call passes them. */
  readonly inputs: Record<string, unknown>;
  /** What stack policies see: the outputs (state) where the source has them, else the inputs. */
  readonly outputs: Record<string, unknown>;
  /** URNs of the resources it waits for, where the source records them (stack policies see them linked). */
  readonly dependencies?: readonly string[];
}

export type SourceKind = "program" | "export" | "preview";

export interface Source {
  readonly kind: SourceKind;
  readonly stack: string | null;
  readonly project: string | null;
  readonly file: string | null;
  readonly resources: readonly EvalResource[];
}

/** A source file the evaluator cannot read: names the file and the reason in one line. */
export class SourceError extends Error {
  override readonly name = "SourceError";
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

/** urn:pulumi:<stack>::<project>::<type chain>::<name> -> its parts; the name may itself contain "::". */
export function parseUrn(urn: string): { stack: string; project: string; name: string } | undefined {
  const parts = urn.split("::");
  const head = parts[0] ?? "";
  if (parts.length < 4 || !head.startsWith("urn:pulumi:")) return undefined;
  return { stack: head.slice("urn:pulumi:".length), project: parts[1] ?? "", name: parts.slice(3).join("::") };
}

export const isProvider = (type: string) => type.startsWith("pulumi:providers:");
/** Resources policies judge: cloud resources the stack manages, not components, providers, reads or the stack. */
export const isEvaluable = (r: EvalResource) => r.custom && r.external !== true && !isProvider(r.type);

/** The stack's own URN: its pulumi:pulumi:Stack resource, else built from the first resource's URN. */
export function stackUrnOf(resources: readonly EvalResource[]): string {
  const root = resources.find((r) => r.type === "pulumi:pulumi:Stack");
  if (root) return root.urn;
  const parts = resources[0] ? parseUrn(resources[0].urn) : undefined;
  const stack = parts?.stack ?? "unknown";
  const project = parts?.project ?? "unknown";
  return `urn:pulumi:${stack}::${project}::pulumi:pulumi:Stack::${project}-${stack}`;
}
