/** GOV-001: every labelable resource carries these three keys. */
export interface GovernanceLabels {
  env: string;
  owner: string;
  "data-classification": string;
}

export type Labels = Readonly<Record<string, string>>;

const LABEL_VALUE = /^[a-z0-9_-]{1,63}$/;

/** Throws with the offending key when a label would be refused by GCP (lowercase, digits, `_` and `-`, <= 63 chars). */
export function validateLabels(labels: Labels, where: string): void {
  for (const [key, value] of Object.entries(labels)) {
    if (!LABEL_VALUE.test(key)) throw new Error(`${where}: label key "${key}" must match ${LABEL_VALUE.source}`);
    if (!LABEL_VALUE.test(value)) {
      throw new Error(
        `${where}: label ${key}="${value}" must be lowercase letters, digits, "_" or "-", at most 63 chars`,
      );
    }
  }
  for (const required of ["env", "owner", "data-classification"]) {
    if (!(required in labels)) throw new Error(`${where}: labels must include "${required}" (GOV-001)`);
  }
}

/** The governance labels plus the resource's own, governance keys last so a component cannot overwrite them. */
export function labelsFor(governance: Labels, own: Record<string, string> = {}): Record<string, string> {
  return { ...own, ...governance };
}
