const NAME = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** Joins name parts with "-" and checks the RFC 1035 shape and length GCP requires of the resource kind. */
export function gcpName(parts: readonly string[], maxLength = 63): string {
  const name = parts.join("-");
  if (!NAME.test(name))
    throw new Error(`name "${name}" must be lowercase letters, digits and "-", starting with a letter`);
  if (name.length > maxLength) {
    throw new Error(`name "${name}" is ${name.length} chars, over the ${maxLength} GCP allows: shorten the prefix`);
  }
  return name;
}

/** "us-central1" -> "usc1": for resource kinds whose name limit the full region would overflow (Redis: 40). */
export function shortRegion(region: string): string {
  const [area = "", direction = ""] = region.split("-");
  return `${area.slice(0, 2)}${direction.replace(/\d/g, "").slice(0, 1)}${direction.replace(/\D/g, "")}`;
}

/** The one image of the bots (and the migrate job): `REGISTRY/orion:TAG`, or `REGISTRY/orion@sha256:…` for a digest. */
export function imageReference(registry: string, tag: string): string {
  return `${registry}/orion${tag.startsWith("sha256:") ? `@${tag}` : `:${tag}`}`;
}
