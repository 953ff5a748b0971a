import type { FastifyRequest } from "fastify";
import { approvalRefusal } from "../identity/index.ts";
import type { ApiContext } from "./context.ts";
import { ApprovalRequests, type ApprovalKind, type ApprovalRequest } from "./approvals.ts";
import { ProblemError } from "./problem.ts";

/**
 * Why `approverId` may not approve what `requesterId` asked for, read from the database (roles, creators,
 * enrolment), never from the approver's token. Null when they are two people and the approver may decide.
 */
export async function refuseApproval(ctx: ApiContext, approverId: string, requesterId: string): Promise<string | null> {
  const approver = await ctx.users.findById(approverId);
  if (!approver) return "only an active admin may approve";
  const requester = (await ctx.users.findById(requesterId)) ?? { id: requesterId };
  return approvalRefusal(approver, requester);
}

/**
 * The second admin's decision on a pending request: refused (with a ledger row naming why) unless the approver is
 * a second person, the request is still pending and unexpired, and this approver claims it first. `apply` carries
 * the change out; if it throws a ProblemError the request is marked failed with that reason.
 */
export async function decideApproval<T>(
  ctx: ApiContext,
  request: FastifyRequest,
  kind: ApprovalKind,
  id: string,
  apply: (req: ApprovalRequest, approver: string) => Promise<T>,
): Promise<{ request: ApprovalRequest; result: T }> {
  const requests = new ApprovalRequests(ctx.pool);
  const approver = request.principal?.userId as string;
  const now = ctx.clock();
  const req = await requests.get(kind, id);
  if (!req) throw new ProblemError(404, "not-found", `no such ${kind} request`);
  const deny = async (status: number, slug: string, reason: string) => {
    await ctx.audit(request, {
      actor: approver,
      action: `${kind}.approval`,
      outcome: "denied",
      subject: req.subject,
      detail: { requestId: req.id, reason },
    });
    return new ProblemError(status, slug, reason);
  };
  if (req.subject === approver) throw await deny(403, "four-eyes", "nobody approves a grant of their own role");
  const refusal = await refuseApproval(ctx, approver, req.requestedBy);
  if (refusal) throw await deny(403, "four-eyes", refusal);
  if (req.status !== "pending") throw await deny(409, "not-pending", `the request is ${req.status}`);
  if (Date.parse(req.expiresAt) <= now.getTime()) {
    await requests.finish(req.id, "expired", "approval window of 15 minutes passed", now);
    throw await deny(410, "expired", "the request expired; ask for a new one");
  }
  const claimed = await requests.claim(req.id, approver, now);
  if (!claimed) throw await deny(409, "not-pending", "the request was decided meanwhile");
  try {
    return { request: claimed, result: await apply(claimed, approver) };
  } catch (err) {
    if (!(err instanceof ProblemError)) throw err;
    await requests.finish(req.id, "failed", err.message, now);
    throw await deny(err.status, err.slug, err.message);
  }
}
