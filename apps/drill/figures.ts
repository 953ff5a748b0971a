/** A trade write the platform saw acknowledged (committed) by the database. */
export interface AckedWrite {
  readonly id: string;
  /** ms since the epoch, when the commit returned. */
  readonly ackedAt: number;
}

/** What a DR drill measured: the fixed contract of `orion drill dr --json`'s last line, plus detail. */
export interface DrFigures {
  readonly ok: boolean;
  /** Seconds of acknowledged writes lost: from the oldest lost commit to the primary's death (0: none lost). */
  readonly rpoSeconds: number;
  /** Acknowledged trades missing from the promoted replica. */
  readonly tradesLost: number;
  /** Seconds from the primary's death to the first trade written on the promoted replica. */
  readonly rtoSeconds: number;
}

/**
 * RPO and RTO from what the platform saw acknowledged before the primary died, what the promoted replica holds, and
 * when writes flowed again. Pure: the drill measures, this judges.
 */
export function drFigures(input: {
  /** Writes acknowledged by the old primary (until its death was confirmed). */
  acked: readonly AckedWrite[];
  survivors: ReadonlySet<string>;
  killedAt: number;
  recoveredAt: number | undefined;
}): DrFigures {
  const lost = input.acked.filter((w) => !input.survivors.has(w.id));
  const oldestLost = Math.min(...lost.map((w) => w.ackedAt));
  const rpoSeconds = lost.length === 0 ? 0 : round(Math.max(0, input.killedAt - oldestLost) / 1000);
  const rtoSeconds =
    input.recoveredAt === undefined ? Number.POSITIVE_INFINITY : round((input.recoveredAt - input.killedAt) / 1000);
  return {
    ok: lost.length === 0 && input.recoveredAt !== undefined,
    rpoSeconds,
    tradesLost: lost.length,
    rtoSeconds,
  };
}

const round = (s: number) => Math.round(s * 1000) / 1000;
