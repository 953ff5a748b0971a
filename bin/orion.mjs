#!/usr/bin/env node
// The CLI is TypeScript run through tsx, so a clean clone needs no build step before `npx orion`.
import { register } from "tsx/esm/api";

register();
await import(new URL("../apps/cli/main.ts", import.meta.url).href);
