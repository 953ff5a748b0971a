import { z } from "zod";

/** sim: simulate against live state, never broadcast; live: trade real capital. */
export const modeSchema = z.enum(["sim", "live"]);
export type Mode = z.output<typeof modeSchema>;
