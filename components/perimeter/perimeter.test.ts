import { describe, expect, it } from "vitest";
import { at, build, ofType, TEST_PROJECT } from "../common/test-helpers.ts";
import { Perimeter } from "./perimeter.ts";
import { perimeterName, RESTRICTED_SERVICES } from "./plan.ts";

const DEPLOYER = "serviceAccount:orion-test-deployer@p.iam.gserviceaccount.com";
const args = { project: TEST_PROJECT, prefix: "orion-test", accessPolicy: "accessPolicies/42", ciMembers: [DEPLOYER] };
const PERIMETER = "gcp:accesscontextmanager/servicePerimeter:ServicePerimeter";

describe("Perimeter", () => {
  it("encloses the project by number and restricts every data service the platform uses (NET-005)", async () => {
    const [perimeter] = ofType(await build(() => new Perimeter("p", args)), PERIMETER);
    expect(perimeter?.inputs).toMatchObject({
      parent: "accessPolicies/42",
      name: "accessPolicies/42/servicePerimeters/orion_test",
      perimeterType: "PERIMETER_TYPE_REGULAR",
    });
    expect(at(perimeter, "status.resources")).toEqual([expect.stringMatching(/^projects\/\d+$/)]);
    expect(at(perimeter, "status.restrictedServices")).toEqual([...RESTRICTED_SERVICES]);
    expect(perimeter?.inputs.spec).toBeUndefined();
    expect(perimeter?.protect).toBe(true);
  });

  it("admits the CI identities and the operators, and nobody else, from outside", async () => {
    const operator = "user:sre@example.com";
    const [perimeter] = ofType(await build(() => new Perimeter("p", { ...args, operators: [operator] })), PERIMETER);
    const ingress = at(perimeter, "status.ingressPolicies") as Array<Record<string, unknown>>;
    expect(ingress).toHaveLength(1);
    expect(at({ inputs: ingress[0] } as never, "ingressFrom.identities")).toEqual([DEPLOYER, operator]);
    expect(at(perimeter, "status.egressPolicies")).toBeUndefined();
  });

  it("in dry run writes only the spec, so nothing is enforced (and NET-005 keeps failing)", async () => {
    const [perimeter] = ofType(await build(() => new Perimeter("p", { ...args, dryRun: true })), PERIMETER);
    expect(perimeter?.inputs.useExplicitDryRunSpec).toBe(true);
    expect(perimeter?.inputs.status).toBeUndefined();
    expect(at(perimeter, "spec.restrictedServices")).toEqual([...RESTRICTED_SERVICES]);
  });

  it.each([
    [{ accessPolicy: "123" }, /accessPolicy must be "accessPolicies\/NUMBER"/],
    [{ prefix: "Orion_Prod" }, /prefix must be lowercase letters/],
    [{ operators: ["group:sre@example.com"] }, /operators must be user:EMAIL or serviceAccount:EMAIL, got "group:sre/],
    [{ ciMembers: [] }, /ciMembers must name the CI identities/],
  ])("refuses %o before creating anything", async (bad, message) => {
    await expect(build(() => new Perimeter("p", { ...args, ...bad }))).rejects.toThrow(message);
  });

  it("names perimeters with underscores, which is all the API accepts besides letters and digits", () => {
    expect(perimeterName("accessPolicies/7", "orion-prod-eu")).toBe("accessPolicies/7/servicePerimeters/orion_prod_eu");
  });
});
