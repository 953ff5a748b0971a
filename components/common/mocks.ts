import type * as pulumi from "@pulumi/pulumi";

/** A stable fake project number: service agents' emails embed it. */
export const PROJECT_NUMBER = "123456789012";

type State = Record<string, unknown>;

const str = (v: unknown, fallback: string): string => (typeof v === "string" && v !== "" ? v : fallback);

/**
 * A real (self-signed, P-256) certificate standing in for Memorystore's server CA: the bots parse it as a PEM
 * certificate, so test/env-contract.test.ts reads the plan's REDIS_CA_CERT as the bots would.
 */
export const MOCK_REDIS_SERVER_CA = [
  "-----BEGIN CERTIFICATE-----",
  "MIIBnzCCAUWgAwIBAgIUS/w40UVzcumkH6VzSI9Bn1igxDswCgYIKoZIzj0EAwIw",
  "JTEjMCEGA1UEAwwaTW9jayBNZW1vcnlzdG9yZSBTZXJ2ZXIgQ0EwHhcNMjYxMTMw",
  "MTczNjA0WhcNMzYxMTI3MTczNjA0WjAlMSMwIQYDVQQDDBpNb2NrIE1lbW9yeXN0",
  "b3JlIFNlcnZlciBDQTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABDz3zQJPcepJ",
  "jI5zJuYk5fyFBipDeF5MG7AyjHng5iasrR+rFijw/f4U2YWoRynUvO2XBB1EBici",
  "1l7Dc/hg4nmjUzBRMB0GA1UdDgQWBBQHZSTShLUYhDUXFfX4Ql+RHsr+njAfBgNV",
  "HSMEGDAWgBQHZSTShLUYhDUXFfX4Ql+RHsr+njAPBgNVHRMBAf8EBTADAQH/MAoG",
  "CCqGSM49BAMCA0gAMEUCIFOAjCFCDaBF5ceZRH4EBJ3R7OaKPAow58VhF1wC3xXB",
  "AiEAho5mHLu4o+30wfHH5UziqTExJzEmUSDld7fzm+Umyl8=",
  "-----END CERTIFICATE-----",
].join("\n");

/** The collection segment of a compute self link, e.g. compute/subnetwork -> subnetworks. */
const COMPUTE_COLLECTIONS: Record<string, string> = {
  network: "networks",
  subnetwork: "subnetworks",
  router: "routers",
  firewall: "firewalls",
  globalAddress: "addresses",
  securityPolicy: "securityPolicies",
  backendService: "backendServices",
  backendBucket: "backendBuckets",
  uRLMap: "urlMaps",
  managedSslCertificate: "sslCertificates",
  sSLPolicy: "sslPolicies",
  targetHttpsProxy: "targetHttpsProxies",
  targetHttpProxy: "targetHttpProxies",
  globalForwardingRule: "forwardingRules",
  regionNetworkEndpointGroup: "networkEndpointGroups",
};

/**
 * Outputs as GCP would report them: ids in GCP's own formats, self links, emails for service accounts, key ids that
 * include their key ring. Inputs are echoed, as a real provider does.
 */
export function mockOutputs(project: string, type: string, name: string, inputs: State): { id: string; state: State } {
  const n = str(inputs.name, name);
  const region = str(inputs.region ?? inputs.location, "global");
  const [, module = "", kind = ""] = /^gcp:([^/]+)\/([^:]+):/.exec(type) ?? [];
  const out = (id: string, extra: State = {}): { id: string; state: State } => ({
    id,
    state: { ...inputs, name: n, ...extra },
  });

  if (module === "compute" && COMPUTE_COLLECTIONS[kind]) {
    const scope = region === "global" ? "global" : `regions/${region}`;
    const id = `projects/${project}/${scope}/${COMPUTE_COLLECTIONS[kind]}/${n}`;
    return out(id, {
      selfLink: `https://www.googleapis.com/compute/v1/${id}`,
      ...(kind === "globalAddress" ? { address: "34.120.0.10" } : {}),
      ...(kind === "network" ? { numericId: "4242424242" } : {}),
    });
  }
  switch (`${module}/${kind}`) {
    case "serviceaccount/account": {
      const email = `${str(inputs.accountId, n)}@${project}.iam.gserviceaccount.com`;
      return out(`projects/${project}/serviceAccounts/${email}`, {
        email,
        member: `serviceAccount:${email}`,
        name: `projects/${project}/serviceAccounts/${email}`,
        uniqueId: "100000000000000000001",
      });
    }
    case "projects/serviceIdentity": {
      const agent = str(inputs.service, "unknown").split(".")[0];
      const email = `service-${PROJECT_NUMBER}@gcp-sa-${agent}.iam.gserviceaccount.com`;
      return out(`projects/${project}/services/${str(inputs.service, "")}`, {
        email,
        member: `serviceAccount:${email}`,
      });
    }
    case "kms/keyRing":
      return out(`projects/${project}/locations/${region}/keyRings/${n}`);
    case "kms/cryptoKey":
      return out(`${str(inputs.keyRing, "keyring")}/cryptoKeys/${n}`);
    case "sql/databaseInstance":
      return out(`${project}:${region}:${n}`, {
        connectionName: `${project}:${region}:${n}`,
        selfLink: `https://sqladmin.googleapis.com/sql/v1beta4/projects/${project}/instances/${n}`,
        privateIpAddress: "10.100.0.3",
        serviceAccountEmailAddress: `p${PROJECT_NUMBER}-abc@gcp-sa-cloud-sql.iam.gserviceaccount.com`,
      });
    case "redis/instance":
      return out(`projects/${project}/locations/${region}/instances/${n}`, {
        host: "10.100.1.4",
        port: 6378,
        authString: "mock-redis-auth-string",
        readEndpoint: "10.100.1.5",
        // A real certificate (the bots parse it), preceded by a line naming the instance: PEM readers skip text before
        // the BEGIN line, and tests can tell one instance's CA from another's.
        serverCaCerts: [{ cert: `mock CA of ${n}\n${MOCK_REDIS_SERVER_CA}\n` }],
      });
    case "pubsub/topic":
      return out(`projects/${project}/topics/${n}`);
    case "pubsub/subscription":
      return out(`projects/${project}/subscriptions/${n}`);
    case "secretmanager/secret": {
      const id = `projects/${project}/secrets/${str(inputs.secretId, n)}`;
      return out(id, { name: id, secretId: str(inputs.secretId, n) });
    }
    case "secretmanager/secretVersion": {
      // The first version of a secret the program created.
      const id = `${str(inputs.secret, n)}/versions/1`;
      return out(id, { name: id, version: "1" });
    }
    case "cloudrunv2/service":
      return out(`projects/${project}/locations/${region}/services/${n}`, {
        uri: `https://${n}-abcdefghij-${region === "global" ? "uc" : region.slice(0, 2)}.a.run.app`,
      });
    case "storage/bucket":
      return out(n, { url: `gs://${n}`, selfLink: `https://www.googleapis.com/storage/v1/b/${n}` });
    case "logging/projectSink":
      return out(`projects/${project}/sinks/${n}`, {
        writerIdentity: `serviceAccount:service-${PROJECT_NUMBER}@gcp-sa-logging.iam.gserviceaccount.com`,
      });
    case "logging/projectBucketConfig":
      return out(`projects/${project}/locations/${region}/buckets/${str(inputs.bucketId, n)}`);
    case "logging/metric":
      return out(n);
    case "bigquery/dataset":
      return out(`projects/${project}/datasets/${str(inputs.datasetId, n)}`);
    case "bigquery/table":
      return out(`projects/${project}/datasets/${str(inputs.datasetId, "")}/tables/${str(inputs.tableId, n)}`);
    case "iam/workloadIdentityPool":
      return out(
        `projects/${project}/locations/global/workloadIdentityPools/${str(inputs.workloadIdentityPoolId, n)}`,
        {
          name: `projects/${PROJECT_NUMBER}/locations/global/workloadIdentityPools/${str(inputs.workloadIdentityPoolId, n)}`,
        },
      );
    case "iam/workloadIdentityPoolProvider": {
      const id = `projects/${PROJECT_NUMBER}/locations/global/workloadIdentityPools/${str(inputs.workloadIdentityPoolId, "")}/providers/${str(inputs.workloadIdentityPoolProviderId, n)}`;
      return out(id, { name: id });
    }
    case "monitoring/notificationChannel":
      return out(`projects/${project}/notificationChannels/${Math.abs(hash(name))}`);
    case "monitoring/uptimeCheckConfig":
      return out(`projects/${project}/uptimeCheckConfigs/${name}`, { uptimeCheckId: name });
    case "monitoring/customService":
      return out(`projects/${project}/services/${str(inputs.serviceId, n)}`);
    case "monitoring/slo":
      return out(
        `projects/${project}/services/${str(inputs.service, "")}/serviceLevelObjectives/${str(inputs.sloId, n)}`,
        {
          name: `projects/${project}/services/${str(inputs.service, "")}/serviceLevelObjectives/${str(inputs.sloId, n)}`,
        },
      );
    case "monitoring/alertPolicy":
      return out(`projects/${project}/alertPolicies/${Math.abs(hash(name))}`);
    case "container/cluster":
      return out(`projects/${project}/locations/${region}/clusters/${n}`, {
        endpoint: "172.16.0.2",
        masterAuth: {
          clusterCaCertificate: "LS0tLS1CRUdJTi1NT0NLLUNBLS0tLS0=",
          clientCertificateConfig: { issueClientCertificate: false },
        },
      });
  }
  return out(`${n}-id`);
}

/** Invocations the program makes: the lookups of Google's service agents. */
export function mockCall(project: string, token: string, inputs: State): State {
  switch (token) {
    case "gcp:storage/getProjectServiceAccount:getProjectServiceAccount":
      return { ...inputs, emailAddress: `service-${PROJECT_NUMBER}@gs-project-accounts.iam.gserviceaccount.com` };
    case "gcp:logging/getProjectCmekSettings:getProjectCmekSettings":
      return { ...inputs, serviceAccountId: `service-${PROJECT_NUMBER}@gcp-sa-logging.iam.gserviceaccount.com` };
    case "gcp:bigquery/getDefaultServiceAccount:getDefaultServiceAccount":
      return { ...inputs, email: `bq-${PROJECT_NUMBER}@bigquery-encryption.iam.gserviceaccount.com` };
    case "gcp:organizations/getProject:getProject":
      return { ...inputs, projectId: project, number: PROJECT_NUMBER };
  }
  throw new Error(`the offline plan has no mock for ${token}: add one to stacks/offline/mocks.ts`);
}

function hash(text: string): number {
  let h = 0;
  for (const ch of text) h = (Math.imul(h, 31) + ch.charCodeAt(0)) | 0;
  return h;
}

export function mocksFor(project: string): pulumi.runtime.Mocks {
  return {
    newResource: (args) => mockOutputs(project, args.type, args.name, args.inputs as State),
    call: (args) => mockCall(project, args.token, args.inputs as State),
  };
}
