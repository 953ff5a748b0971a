import pino from "pino";

/** Every control change is logged with its actor: the first record an operator reads after an incident. */
export const log = pino({ name: "control", level: process.env.LOG_LEVEL ?? "info" }, pino.destination(2));
