/**
 * CIS GCP 2.4-2.11 change alerts (LOG-004): one log-based metric and one alert per kind of change. The filters are
 * the benchmark's own, so an auditor can compare them line by line.
 */
export interface ChangeAlert {
  id: string;
  cis: string;
  title: string;
  filter: string;
}

export const CIS_CHANGE_ALERTS: readonly ChangeAlert[] = [
  {
    id: "iam-ownership-changes",
    cis: "2.4",
    title: "Project ownership assignments or changes",
    filter:
      '(protoPayload.serviceName="cloudresourcemanager.googleapis.com") AND (ProjectOwnership OR projectOwnerInvitee) ' +
      'OR (protoPayload.serviceData.policyDelta.bindingDeltas.action="REMOVE" AND ' +
      'protoPayload.serviceData.policyDelta.bindingDeltas.role="roles/owner") ' +
      'OR (protoPayload.serviceData.policyDelta.bindingDeltas.action="ADD" AND ' +
      'protoPayload.serviceData.policyDelta.bindingDeltas.role="roles/owner")',
  },
  {
    id: "audit-config-changes",
    cis: "2.5",
    title: "Audit configuration changes",
    filter: 'protoPayload.methodName="SetIamPolicy" AND protoPayload.serviceData.policyDelta.auditConfigDeltas:*',
  },
  {
    id: "custom-role-changes",
    cis: "2.6",
    title: "Custom role changes",
    filter:
      'resource.type="iam_role" AND (protoPayload.methodName="google.iam.admin.v1.CreateRole" OR ' +
      'protoPayload.methodName="google.iam.admin.v1.DeleteRole" OR protoPayload.methodName="google.iam.admin.v1.UpdateRole")',
  },
  {
    id: "firewall-changes",
    cis: "2.7",
    title: "VPC firewall rule changes",
    filter:
      'resource.type="gce_firewall_rule" AND (protoPayload.methodName:"compute.firewalls.patch" OR ' +
      'protoPayload.methodName:"compute.firewalls.insert" OR protoPayload.methodName:"compute.firewalls.delete")',
  },
  {
    id: "route-changes",
    cis: "2.8",
    title: "VPC network route changes",
    filter:
      'resource.type="gce_route" AND (protoPayload.methodName:"compute.routes.delete" OR ' +
      'protoPayload.methodName:"compute.routes.insert")',
  },
  {
    id: "network-changes",
    cis: "2.9",
    title: "VPC network changes",
    filter:
      'resource.type="gce_network" AND (protoPayload.methodName:"compute.networks.insert" OR ' +
      'protoPayload.methodName:"compute.networks.patch" OR protoPayload.methodName:"compute.networks.delete" OR ' +
      'protoPayload.methodName:"compute.networks.removePeering" OR protoPayload.methodName:"compute.networks.addPeering")',
  },
  {
    id: "bucket-iam-changes",
    cis: "2.10",
    title: "Cloud Storage IAM permission changes",
    filter: 'resource.type="gcs_bucket" AND protoPayload.methodName="storage.setIamPermissions"',
  },
  {
    id: "sql-config-changes",
    cis: "2.11",
    title: "SQL instance configuration changes",
    filter: 'protoPayload.methodName="cloudsql.instances.update"',
  },
];

export type Severity = "warning" | "critical" | "emergency";

/** GCP alert severity for each of ours: emergency pages like critical but also reaches the emergency roster. */
export const GCP_SEVERITY: Record<Severity, "WARNING" | "ERROR" | "CRITICAL"> = {
  warning: "WARNING",
  critical: "ERROR",
  emergency: "CRITICAL",
};

/** Which channels a severity notifies: each severity also reaches every lower roster, so nobody misses an escalation. */
export function rostersFor(severity: Severity): Severity[] {
  const order: Severity[] = ["warning", "critical", "emergency"];
  return order.slice(0, order.indexOf(severity) + 1);
}
