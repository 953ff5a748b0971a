import { resourcePolicy } from "./factory.ts";
import { isPublicMember, isSet, membersOf, str } from "./props.ts";
import type { OrionPolicy } from "./types.ts";
import { RUN_IAM_TYPES } from "./cloudrun.ts";

export const PROJECT_IAM_TYPES = ["gcp:projects/iAMMember:IAMMember", "gcp:projects/iAMBinding:IAMBinding"];
export const SA_KEY = "gcp:serviceaccount/key:Key";
export const WIF_PROVIDER = "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider";

/** Every IAM member or binding resource of any GCP service: the class name ends in IAMMember/IamBinding etc. */
export function isIamGrantType(type: string): boolean {
  return type.startsWith("gcp:") && /(IAM|Iam)(Member|Binding)$/.test(type);
}
const BASIC_ROLES = ["roles/owner", "roles/editor", "roles/viewer"];
const IMPERSONATION_ROLES = ["roles/iam.serviceAccountUser", "roles/iam.serviceAccountTokenCreator"];
const DEFAULT_SA = /(-compute@developer|@appspot)\.gserviceaccount\.com$/;

export const iamNoBasicRoles = () =>
  resourcePolicy({
    name: "iam-no-basic-or-impersonation-roles-on-project",
    description: "Project IAM must grant neither basic roles nor service account impersonation.",
    controls: ["IAM-001", "IAM-002"],
    types: PROJECT_IAM_TYPES,
    check: (props, _args, report) => {
      const role = str(props, "role") ?? "";
      if (BASIC_ROLES.includes(role)) report("IAM-001", `role must not be ${role}; use a predefined role.`);
      if (IMPERSONATION_ROLES.includes(role)) {
        report("IAM-002", `${role} must be granted on the service account, not the project.`);
      }
    },
  });

export const iamServiceAccountPrivileges = () =>
  resourcePolicy({
    name: "iam-service-accounts-least-privilege",
    description:
      "Service accounts must hold no admin, editor or owner role, and default service accounts no grant at all.",
    controls: ["IAM-003"],
    types: isIamGrantType,
    check: (props, args, report) => {
      const role = str(props, "role") ?? "";
      for (const m of membersOf(props).filter((m) => m.startsWith("serviceAccount:"))) {
        if (DEFAULT_SA.test(m)) report("IAM-003", `Default service account ${m} must not be granted ${role}.`);
        else if (
          PROJECT_IAM_TYPES.includes(args.type) &&
          (/admin$/i.test(role) || ["roles/editor", "roles/owner"].includes(role))
        ) {
          report("IAM-003", `Service account ${m} must not hold ${role}.`);
        }
      }
    },
  });

export const iamNoServiceAccountKeys = () =>
  resourcePolicy({
    name: "iam-no-service-account-keys",
    description: "The stack must not create user-managed service account keys.",
    controls: ["IAM-004"],
    types: [SA_KEY],
    check: (_props, _args, report) => {
      report("IAM-004", "serviceaccount.Key resources must not exist; use workload identity.");
    },
  });

export const iamNoPublicMembers = () =>
  resourcePolicy({
    name: "iam-no-public-members",
    description: "No IAM grant may name allUsers or allAuthenticatedUsers.",
    controls: ["IAM-005"],
    // Cloud Run invoker grants are judged by RUN-002, the one control that allows them behind the load balancer.
    types: (type) => isIamGrantType(type) && !RUN_IAM_TYPES.includes(type),
    check: (props, _args, report) => {
      for (const m of membersOf(props).filter(isPublicMember)) report("IAM-005", `IAM must not grant to ${m}.`);
    },
  });

export const iamWifCondition = () =>
  resourcePolicy({
    name: "iam-wif-provider-attribute-condition",
    description: "Workload identity pool providers must restrict federation with an attribute condition.",
    controls: ["IAM-006"],
    types: [WIF_PROVIDER],
    check: (props, _args, report) => {
      const condition = str(props, "attributeCondition") ?? "";
      if (!isSet(condition)) report("IAM-006", "attributeCondition must be set.");
      // For GitHub's issuer every repository on github.com mints tokens: a condition that does not pin the
      // repository (e.g. "true", or only the event) lets any of them federate.
      else if (
        (str(props, "oidc.issuerUri") ?? "").includes("token.actions.githubusercontent.com") &&
        !/assertion\.repository(_id)?\s*==/.test(condition)
      ) {
        report("IAM-006", "attributeCondition must pin assertion.repository to the one trusted repository.");
      }
    },
  });

export function iamPolicies(): OrionPolicy[] {
  return [
    iamNoBasicRoles(),
    iamServiceAccountPrivileges(),
    iamNoServiceAccountKeys(),
    iamNoPublicMembers(),
    iamWifCondition(),
  ];
}
