export * from "./api";
export * from "./contracts";
