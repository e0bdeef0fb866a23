export * from "./gpus";
export * from "./crypto";
export * from "./contracts.generated";
export * from "./deployments.generated";
export * from "./deploy";
export * from "./offers";
export * from "./heartbeat";
export * from "./liveness";
