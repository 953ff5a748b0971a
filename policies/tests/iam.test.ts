import { iamPolicies } from "../iam.ts";
import { policySpec, setPath, type PolicyCase } from "./harness.ts";

const projectGrant = (name: string, role: string, member: string) => ({
  type: "gcp:projects/iAMMember:IAMMember",
  name,
  inputs: { project: "alpha-orion-prod", role, member },
});

const cases: PolicyCase[] = [
  {
    policy: "iam-no-basic-or-impersonation-roles-on-project",
    breaks: "editor",
    target: "api-logs",
    mutate: (i) => setPath(i, "role", "roles/editor"),
    expect: ["IAM-001"],
  },
  {
    policy: "iam-no-basic-or-impersonation-roles-on-project",
    breaks: "project-wide token creator",
    add: [projectGrant("impersonate", "roles/iam.serviceAccountTokenCreator", "group:ops@example.com")],
    expect: ["IAM-002"],
  },
  {
    policy: "iam-service-accounts-least-privilege",
    breaks: "a bot with an admin role",
    target: "api-logs",
    mutate: (i) => setPath(i, "role", "roles/storage.admin"),
    expect: ["IAM-003"],
  },
  {
    policy: "iam-service-accounts-least-privilege",
    breaks: "a grant to the default compute account",
    add: [
      {
        type: "gcp:pubsub/topicIAMMember:TopicIAMMember",
        name: "default-sa",
        inputs: {
          topic: "t",
          role: "roles/pubsub.publisher",
          member: "serviceAccount:123456789012-compute@developer.gserviceaccount.com",
        },
      },
    ],
    expect: ["IAM-003"],
  },
  {
    policy: "iam-no-service-account-keys",
    breaks: "a service account key",
    add: [{ type: "gcp:serviceaccount/key:Key", name: "ci-key", inputs: { serviceAccountId: "ao-prod-ci" } }],
    expect: ["IAM-004"],
  },
  {
    policy: "iam-no-public-members",
    breaks: "allUsers on a bucket",
    add: [
      {
        type: "gcp:storage/bucketIAMMember:BucketIAMMember",
        name: "open",
        inputs: { bucket: "b", role: "roles/storage.objectViewer", member: "allUsers" },
      },
    ],
    expect: ["IAM-005"],
  },
  {
    policy: "iam-no-public-members",
    breaks: "allAuthenticatedUsers on the project",
    add: [projectGrant("open", "roles/logging.viewer", "allAuthenticatedUsers")],
    expect: ["IAM-005"],
  },
  {
    policy: "iam-wif-provider-attribute-condition",
    breaks: "any GitHub repository may federate",
    target: "github",
    mutate: (i) => setPath(i, "attributeCondition", undefined),
    expect: ["IAM-006"],
  },
  {
    policy: "iam-wif-provider-attribute-condition",
    breaks: "a GitHub condition that only checks the event, not the repository",
    target: "github",
    mutate: (i) => {
      setPath(i, "oidc.issuerUri", "https://token.actions.githubusercontent.com");
      setPath(i, "attributeCondition", 'assertion.event_name == "push"');
    },
    expect: ["IAM-006"],
  },
  {
    policy: "iam-ci-federation-single-subjects",
    breaks: "the deployer trusted by every workflow of the repository (a principal set)",
    target: "deployer-wif-prod",
    mutate: (i) =>
      setPath(
        i,
        "member",
        "principalSet://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/github/attribute.repository/alpha-orion/alpha-orion",
      ),
    expect: ["IAM-007"],
  },
  {
    policy: "iam-ci-federation-single-subjects",
    breaks: "the deployer trusted by a branch's subject, which any pusher's workflow edit can claim",
    target: "deployer-wif-prod",
    mutate: (i) => setPath(i, "member", String(i.member).replace("environment:prod", "ref:refs/heads/feature")),
    expect: ["IAM-007"],
  },
  {
    policy: "iam-ci-previewer-read-only",
    breaks: "the pull requests' identity also trusted by the prod environment",
    add: [
      {
        type: "gcp:serviceaccount/iAMMember:IAMMember",
        name: "previewer-wif-prod",
        inputs: {
          serviceAccountId:
            "projects/alpha-orion-prod/serviceAccounts/ao-prod-previewer@alpha-orion-prod.iam.gserviceaccount.com",
          role: "roles/iam.workloadIdentityUser",
          member:
            "principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/github/subject/repo:alpha-orion/alpha-orion:environment:prod",
        },
      },
    ],
    expect: ["IAM-007"],
  },
  {
    policy: "iam-ci-previewer-read-only",
    breaks: "the pull requests' identity able to change Cloud Run",
    target: "previewer-run-viewer",
    mutate: (i) => setPath(i, "role", "roles/run.developer"),
    expect: ["IAM-007"],
  },
];

policySpec("iam", () => iamPolicies(), cases);
