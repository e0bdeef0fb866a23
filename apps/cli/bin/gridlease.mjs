#!/usr/bin/env node
// Ships as TypeScript source like the rest of the workspace; tsx compiles it on load.
import { register } from "tsx/esm/api";

register();
await import("../src/main.ts");
