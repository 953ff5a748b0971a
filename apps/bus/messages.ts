import { z } from "zod";
import {
  ADDRESS_PATTERN,
  UINT_PATTERN,
  blockNumber as block,
  int,
  modeSchema,
  orderSchema,
  orderToMessage,
  poolProtocolSchema,
  settledStatusSchema,
  uint,
  type Order,
  type OrderMessage,
} from "../domain/index.ts";
import type { Topic } from "./types.ts";

/**
 * A candidate as it travels, checked field by field with the wire patterns alone; candidatesSchema converts the whole
 * list at once. zod's per-field transforms cost about 3 us each (a fresh refinement context every call): a block's
 * hundred-odd candidates, with eight addresses and three amounts each, spent 8-9 ms of CPU in them on every delivery,
 * on the way from the scanner to the orchestrator.
 */
const hexAddress = z.string().regex(ADDRESS_PATTERN, "must be a 0x-prefixed 20-byte hex address");
const decimalUint = z.string().regex(UINT_PATTERN, "must be a non-negative integer in base units, as a decimal string");
const candidateWireSchema = z
  .object({
    id: z.string().min(1),
    blockNumber: block,
    baseToken: hexAddress,
    pools: z.array(hexAddress).min(2).max(4),
    tokens: z.array(hexAddress).min(3).max(5),
    amountIn: decimalUint,
    amountOut: decimalUint,
    profit: decimalUint,
    /** Each pool's protocol in route order (the order's `protocols`); absent: every pool is Uniswap-V2. */
    protocols: z.array(poolProtocolSchema).min(2).max(4).optional(),
  })
  .strict();

const lower = (a: string) => a.toLowerCase();
type CandidateWire = z.output<typeof candidateWireSchema>;
/** A candidate as the orchestrator takes it: addresses lowercased, amounts as bigints. */
function convert({ protocols, ...c }: CandidateWire) {
  return {
    ...c,
    baseToken: lower(c.baseToken),
    pools: c.pools.map(lower),
    tokens: c.tokens.map(lower),
    amountIn: BigInt(c.amountIn),
    amountOut: BigInt(c.amountOut),
    profit: BigInt(c.profit),
    ...(protocols ? { protocols: [...protocols] } : {}),
  };
}

/** The block's candidates: each checked as the wire form above, then addresses lowercased and amounts as bigints. */
const checkedCandidatesSchema = z
  .array(candidateWireSchema)
  .superRefine((list, ctx) =>
    list.forEach((c, i) => {
      if (c.tokens.length !== c.pools.length + 1) {
        ctx.addIssue({ code: "custom", path: [i, "tokens"], message: "tokens must have one more entry than pools" });
      }
      if (c.protocols !== undefined && c.protocols.length !== c.pools.length) {
        ctx.addIssue({ code: "custom", path: [i, "protocols"], message: "protocols must have one entry per pool" });
      }
    }),
  )
  .transform((list) => list.map(convert));

const CANDIDATE_KEYS = new Set(Object.keys(candidateWireSchema.shape));
const PROTOCOLS = new Set<unknown>(poolProtocolSchema.options);
const isAddress = (v: unknown) => typeof v === "string" && ADDRESS_PATTERN.test(v);
const isUint = (v: unknown) => typeof v === "string" && UINT_PATTERN.test(v);
const listOf = (v: unknown, min: number, max: number, each: (x: unknown) => boolean): v is unknown[] =>
  Array.isArray(v) && v.length >= min && v.length <= max && v.every(each);

/**
 * Whether checkedCandidatesSchema accepts `v` as it is, tested directly with its patterns and bounds: zod 3 spends
 * about 10 us of CPU on each candidate (a plain object of eight addresses), 1.3-3.3 ms for a block's hundred-odd,
 * on every delivery from the scanner to the orchestrator. Anything else (a wrong field, an unusual object) goes
 * through the schema itself, which refuses it with the field's path.
 */
function wellFormed(v: unknown): v is CandidateWire {
  if (typeof v !== "object" || v === null || Object.getPrototypeOf(v) !== Object.prototype) return false;
  const c = v as Record<string, unknown>;
  const pools = c["pools"];
  const protocols = c["protocols"];
  const blockNumber = c["blockNumber"];
  return (
    Object.keys(c).every((k) => CANDIDATE_KEYS.has(k)) &&
    typeof c["id"] === "string" &&
    c["id"].length > 0 &&
    typeof blockNumber === "number" &&
    Number.isInteger(blockNumber) &&
    blockNumber >= 0 &&
    isAddress(c["baseToken"]) &&
    listOf(pools, 2, 4, isAddress) &&
    listOf(c["tokens"], 3, 5, isAddress) &&
    c["tokens"].length === pools.length + 1 &&
    isUint(c["amountIn"]) &&
    isUint(c["amountOut"]) &&
    isUint(c["profit"]) &&
    (protocols === undefined || (listOf(protocols, 2, 4, (p) => PROTOCOLS.has(p)) && protocols.length === pools.length))
  );
}

/** The candidates, converted directly when every one is well formed, else by the schema (with its issues). */
const candidatesSchema = z
  .custom<z.input<typeof checkedCandidatesSchema>>(() => true)
  .transform((list, ctx) => {
    if (Array.isArray(list) && list.every(wellFormed)) return list.map(convert);
    const checked = checkedCandidatesSchema.safeParse(list);
    if (checked.success) return checked.data;
    for (const issue of checked.error.issues) ctx.addIssue(issue);
    return z.NEVER;
  });

/**
 * The header fields of the block an order was priced on that the executor needs: the timestamp its time deadline
 * counts from, and the base fee its flash sources' gas is priced at (0 on a chain without one). Carried from the
 * scanner, which has the header, so the executor does not read it again before every block's first simulation.
 */
const blockHeaderSchema = z.object({ timestamp: z.number().int().nonnegative(), baseFeeWei: uint }).strict();
export type BlockHeader = z.output<typeof blockHeaderSchema>;
const encodeHeader = (h: BlockHeader) => ({ timestamp: h.timestamp, baseFeeWei: h.baseFeeWei.toString() });

/** One block's opportunities, published by the scanner once the block's pool state is applied. */
export const blockOpportunitiesSchema = z
  .object({
    blockNumber: block,
    /** performance.timeOrigin + performance.now() when the block was seen: the start of the latency clock. */
    seenAt: z.number().nonnegative(),
    /** Time the scanner waited for the node on this block; latency figures "excluding RPC" subtract it. */
    rpcMs: z.number().nonnegative(),
    gasPriceWei: uint,
    /** OP-stack chains: the L1 data fee of the executor's transaction by route length ("2", "3"), in wei. */
    l1FeeWeiByHops: z.record(z.string(), uint).optional(),
    basePerNative: z.record(z.string(), z.object({ num: uint, den: uint }).strict()),
    candidates: candidatesSchema,
    /** The block's header (absent from a publisher that did not have it: the executor reads it then). */
    header: blockHeaderSchema.optional(),
  })
  .strict();

export type BlockOpportunities = z.output<typeof blockOpportunitiesSchema>;
type BlockOpportunitiesWire = z.input<typeof blockOpportunitiesSchema>;

export const opportunitiesTopic: Topic<BlockOpportunities, BlockOpportunitiesWire> = {
  name: "opportunities",
  schema: blockOpportunitiesSchema,
  encode: ({ l1FeeWeiByHops, header, ...b }) => ({
    ...b,
    ...(header ? { header: encodeHeader(header) } : {}),
    gasPriceWei: b.gasPriceWei.toString(),
    ...(l1FeeWeiByHops
      ? { l1FeeWeiByHops: Object.fromEntries(Object.entries(l1FeeWeiByHops).map(([h, w]) => [h, w.toString()])) }
      : {}),
    basePerNative: Object.fromEntries(
      Object.entries(b.basePerNative).map(([t, r]) => [t, { num: r.num.toString(), den: r.den.toString() }]),
    ),
    candidates: b.candidates.map((c) => ({
      ...c,
      amountIn: c.amountIn.toString(),
      amountOut: c.amountOut.toString(),
      profit: c.profit.toString(),
    })),
  }),
  key: (b) => `block:${b.blockNumber}`,
};

/**
 * An order carries its block's latency clock so the executor can report block -> sent, and its block's header when
 * the scanner had it.
 */
export const orderEnvelopeSchema = z
  .object({ order: orderSchema, seenAt: z.number().nonnegative(), header: blockHeaderSchema.optional() })
  .strict();
export interface OrderEnvelope {
  order: Order;
  seenAt: number;
  header?: BlockHeader;
}

export const ordersTopic: Topic<
  OrderEnvelope,
  { order: OrderMessage; seenAt: number; header?: z.input<typeof blockHeaderSchema> }
> = {
  name: "orders",
  schema: orderEnvelopeSchema,
  encode: (e) => ({
    order: orderToMessage(e.order),
    seenAt: e.seenAt,
    ...(e.header ? { header: encodeHeader(e.header) } : {}),
  }),
  key: (e) => e.order.opportunityId,
};

/** A trade's outcome, published by the executor; the orchestrator's risk ledger settles on it. */
export const tradeOutcomeSchema = z
  .object({
    tradeId: z.string().min(1),
    opportunityId: z.string().min(1),
    mode: modeSchema,
    epoch: z.number().int().nonnegative(),
    status: settledStatusSchema,
    /** Net result in native wei: profit valued in wei minus the gas paid (negative for a revert). */
    netWei: int,
    /** The route reverted (on chain, or in the eth_call simulation): counts against its pools, see RiskLedger. */
    routeReverted: z.boolean().optional(),
    /** A rejection that is a verdict on the order (its funding, or too late): no failure for the breaker. */
    verdict: z.enum(["unprofitable", "expired"]).optional(),
    /** Wall-clock ms the simulation finished and the transaction was broadcast (null when it never was). */
    simulatedAt: z.number().nonnegative().nullable().optional(),
    sentAt: z.number().nonnegative().nullable().optional(),
  })
  .strict();
export type TradeOutcome = z.output<typeof tradeOutcomeSchema>;

export const tradesTopic: Topic<TradeOutcome, z.input<typeof tradeOutcomeSchema>> = {
  name: "trades",
  schema: tradeOutcomeSchema,
  encode: (t) => ({ ...t, netWei: t.netWei.toString() }),
  key: (t) => t.tradeId,
};
