/**
 * Every test file runs with its own $ORION_HOME, a temporary directory removed after the file: whatever a test starts
 * in this process, or as a child inheriting its environment, keeps its keys, anchors and session files there and never
 * in the checkout's .orion/ (which a developer's own `npm start` uses). A test may still point ORION_HOME elsewhere.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

const home = mkdtempSync(join(tmpdir(), "orion-test-home-"));
process.env.ORION_HOME = home;
afterAll(() => rmSync(home, { recursive: true, force: true }));
