import { resourcePolicy, stackPolicy } from "./factory.ts";
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

export const SA_IAM_TYPES = ["gcp:serviceaccount/iAMMember:IAMMember", "gcp:serviceaccount/iAMBinding:IAMBinding"];
/** Roles that let a federated identity act as the service account. */
const ACT_AS_ROLES = ["roles/iam.workloadIdentityUser", "roles/iam.serviceAccountTokenCreator"];
const FEDERATED = /^principal(Set)?:\/\/iam\.googleapis\.com\//;
const ONE_SUBJECT = /^principal:\/\/iam\.googleapis\.com\/.+\/workloadIdentityPools\/[^/]+\/subject\/(.+)$/;
/**
 * The GitHub subjects CI may act as: a pull request's (read-only) and the deployment environments'. The environments'
 * protection rules (main only, reviewers) are what make their subject trustworthy; a branch's own subject
 * (`ref:refs/heads/…`) is not, since anyone who can push a branch can edit the workflow it runs.
 */
const PREVIEW_SUBJECT = /^repo:[^:]+:pull_request$/;
const DEPLOY_SUBJECT = /^repo:[^:]+:environment:(staging|prod)$/;
/** Predefined roles that read and never change: what a pull request's identity may hold. */
const READ_ONLY_ROLE = /^roles\/(browser|iam\.securityReviewer|([a-zA-Z]+\.)?[a-zA-Z]*[vV]iewer)$/;

/** The subject of a federated member, or undefined for a principal set. */
function federatedSubject(member: string): string | undefined {
  return ONE_SUBJECT.exec(member)?.[1];
}

export const iamCiSubjects = () =>
  resourcePolicy({
    name: "iam-ci-federation-single-subjects",
    description:
      "Federated CI identities must be granted to one pull-request or deployment-environment subject, never a principal set.",
    controls: ["IAM-007"],
    types: SA_IAM_TYPES,
    check: (props, _args, report) => {
      if (!ACT_AS_ROLES.includes(str(props, "role") ?? "")) return;
      for (const m of membersOf(props).filter((x) => FEDERATED.test(x))) {
        const subject = federatedSubject(m);
        if (subject === undefined) {
          report(
            "IAM-007",
            `${m} must be one subject (principal://…/subject/…), not a principal set of every workflow.`,
          );
        } else if (!PREVIEW_SUBJECT.test(subject) && !DEPLOY_SUBJECT.test(subject)) {
          report(
            "IAM-007",
            `subject ${subject} must be repo:OWNER/REPO:pull_request or repo:OWNER/REPO:environment:staging|prod, not a branch's or workflow's.`,
          );
        }
      }
    },
  });

/** The account id's email, from `projects/P/serviceAccounts/EMAIL` or the email itself. */
function accountEmail(id: string | undefined): string | undefined {
  return id?.split("/").pop();
}

export const iamPreviewerReadOnly = () =>
  stackPolicy({
    name: "iam-ci-previewer-read-only",
    description:
      "The identity pull requests act as must hold only read roles and must not also be a deployment environment's.",
    controls: ["IAM-007"],
    types: SA_IAM_TYPES,
    examines: [...SA_IAM_TYPES, ...PROJECT_IAM_TYPES],
    check: (resources, _args, report) => {
      const trusted = new Map<string, { preview: boolean; deploy: boolean }>();
      for (const r of resources.filter((x) => SA_IAM_TYPES.includes(x.type))) {
        const email = accountEmail(str(r.props, "serviceAccountId"));
        if (email === undefined || !ACT_AS_ROLES.includes(str(r.props, "role") ?? "")) continue;
        const t = trusted.get(email) ?? { preview: false, deploy: false };
        for (const subject of membersOf(r.props).map(federatedSubject)) {
          if (subject !== undefined && PREVIEW_SUBJECT.test(subject)) t.preview = true;
          if (subject !== undefined && DEPLOY_SUBJECT.test(subject)) t.deploy = true;
        }
        trusted.set(email, t);
      }
      for (const [email, t] of trusted) {
        if (!t.preview) continue;
        if (t.deploy) {
          report("IAM-007", `${email} must not be trusted by pull requests and a deployment environment alike.`);
        }
        for (const g of resources.filter((x) => PROJECT_IAM_TYPES.includes(x.type))) {
          const role = str(g.props, "role") ?? "";
          if (membersOf(g.props).includes(`serviceAccount:${email}`) && !READ_ONLY_ROLE.test(role)) {
            report("IAM-007", `${email} acts for pull requests and must hold only read roles, not ${role}.`, g.urn);
          }
        }
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
    iamCiSubjects(),
    iamPreviewerReadOnly(),
  ];
}
