export * from "./gpus";
export * from "./crypto";
